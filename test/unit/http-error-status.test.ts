/**
 * The HTTP status of every error code (src/web/error-status.ts): input codes are 4xx, a
 * retriable dependency failure is 503 with Retry-After, a permanent one 502, our own faults 500.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ErrorCode, InputErrorCode, ServiceErrorCode } from '../../src/errors.js';
import { errorStatus } from '../../src/web/error-status.js';

describe('errorStatus', () => {
  const cases: [ErrorCode, boolean, number, string | undefined][] = [
    ['INVALID_EVENT', false, 400, undefined],
    ['INVALID_METADATA', false, 422, undefined],
    ['OBJECT_NOT_FOUND', false, 404, undefined],
    ['EMPTY_OBJECT', false, 422, undefined],
    ['OBJECT_TOO_LARGE', false, 413, undefined],
    ['OBJECT_CHANGED', false, 409, undefined],
    ['UNSUPPORTED_FORMAT', false, 422, undefined],
    ['CORRUPT_IMAGE', false, 422, undefined],
    ['IMAGE_TOO_LARGE', false, 422, undefined],
    ['IMAGE_TOO_SMALL', false, 422, undefined],
    ['IMAGE_TOO_COMPLEX', false, 422, undefined],
    ['UNSUPPORTED_MODALITY', false, 422, undefined],
    ['NO_ROUTE', false, 422, undefined],
    ['DEPENDENCY_TIMEOUT', true, 503, '5'],
    ['DEPENDENCY_UNAVAILABLE', true, 503, '5'],
    ['DEPENDENCY_UNAVAILABLE', false, 502, undefined],
    ['THROTTLED', true, 503, '5'],
    ['MODEL_ERROR', true, 503, '5'],
    ['MODEL_ERROR', false, 502, undefined],
    ['INVALID_MODEL_OUTPUT', false, 502, undefined],
    ['STORAGE_ERROR', true, 503, '5'],
    ['DEADLINE_EXCEEDED', true, 504, undefined],
    ['IN_PROGRESS', true, 409, '5'],
    ['INVALID_CONFIGURATION', false, 500, undefined],
    ['INTERNAL_ERROR', true, 500, undefined],
  ];

  for (const [code, retriable, status, retryAfter] of cases) {
    it(`maps ${code}${retriable ? ' (retriable)' : ''} to ${status}`, () => {
      const mapped = errorStatus({ code, retriable });
      assert.equal(mapped.status, status);
      assert.equal(mapped.headers['retry-after'], retryAfter);
    });
  }

  it('covers every error code, and every input code with a 4xx', () => {
    const covered = new Set(cases.map(([code]) => code));
    for (const code of [...Object.values(InputErrorCode), ...Object.values(ServiceErrorCode)]) {
      assert.ok(covered.has(code), `${code} has a case`);
    }
    for (const code of Object.values(InputErrorCode)) {
      const { status } = errorStatus({ code, retriable: false });
      assert.ok(status >= 400 && status < 500, `${code} -> ${status}`);
    }
  });
});
