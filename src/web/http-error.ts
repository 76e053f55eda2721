/**
 * Requests the server refuses before any job runs (unknown route, wrong method, a body that is
 * not JSON, a body over the limit or too slow, every job slot taken, no principal or the wrong role,
 * a Host that is not ours). They answer in the same error body as a failed job, with
 * `step: 'request'`, and never carry a record.
 */
import type { ErrorCode, PipelineStep } from '../errors.js';

export const RequestErrorCode = {
  invalidRequest: 'INVALID_REQUEST',
  notFound: 'NOT_FOUND',
  methodNotAllowed: 'METHOD_NOT_ALLOWED',
  unsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  recordNotFound: 'RECORD_NOT_FOUND',
  busy: 'SERVER_BUSY',
  bodyTimeout: 'REQUEST_TIMEOUT',
  hostNotAllowed: 'HOST_NOT_ALLOWED',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  conflict: 'CONFLICT',
  notReviewable: 'NOT_REVIEWABLE',
  invalidCsrf: 'INVALID_CSRF_TOKEN',
} as const;
export type RequestErrorCode = (typeof RequestErrorCode)[keyof typeof RequestErrorCode];

/** DESIGN.md step 8's error body, widened to the errors of the HTTP edge itself. */
export interface HttpErrorBody {
  code: ErrorCode | RequestErrorCode;
  step: PipelineStep | 'request';
  message: string;
  retriable: boolean;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | RequestErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  get body(): HttpErrorBody {
    // Only a busy server (503) is worth asking again; every other refusal needs a new request.
    return { code: this.code, step: 'request', message: this.message, retriable: this.status === 503 };
  }
}
