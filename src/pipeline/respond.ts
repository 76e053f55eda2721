/**
 * Step 8: the response an edge (HTTP server, Lambda, CLI) gives for a finished job. Only here do
 * typed errors become HTTP-like statuses; the message is the error's own one-line message, which
 * never carries internals such as stack traces or file paths of the service.
 */
import { isInputErrorCode } from '../errors.js';
import type { ErrorBody, InferenceRecord } from '../record.js';
import type { InferenceOutcome } from './run-inference.js';

export type InferenceResponse =
  | {
      statusCode: 200;
      body: { id: string; status: 'succeeded' | 'degraded'; reused: boolean; record: InferenceRecord };
    }
  | {
      statusCode: 422 | 500 | 503;
      body: { id: string; status: 'failed'; reused: boolean; error: ErrorBody };
    };

export function toResponse({ record, reused }: InferenceOutcome): InferenceResponse {
  if (record.status !== 'failed') {
    return { statusCode: 200, body: { id: record.id, status: record.status, reused, record } };
  }
  const error: ErrorBody = record.error ?? {
    code: 'INTERNAL_ERROR',
    step: 'persist',
    message: 'the record failed without an error',
    retriable: true,
  };
  return { statusCode: failureStatus(error), body: { id: record.id, status: 'failed', reused, error } };
}

/** 422: the input must change; 503: try again later; 500: our fault. */
export function failureStatus(error: Pick<ErrorBody, 'code' | 'retriable'>): 422 | 500 | 503 {
  if (isInputErrorCode(error.code)) return 422;
  if (error.code === 'INTERNAL_ERROR') return 500;
  return error.retriable ? 503 : 500;
}
