/**
 * DESIGN.md step 8 for HTTP: what a finished job answers. A usable record (succeeded, degraded)
 * is 200 `{ record, reused }`; a failed record is `{ error, record, reused }` with the status of
 * its error (error-status.ts); a job that ended without a record (another run holds the object,
 * the store failed) is `{ error }` alone. Messages are the errors' own one-line messages; an
 * error that is not one of ours says only where to look, and its details stay in the logs.
 */
import { DdxError } from '../errors.js';
import type { InferenceOutcome } from '../pipeline/pipeline-deps.js';
import type { ErrorBody, InferenceRecord } from '../record.js';
import { errorStatus } from './error-status.js';
import type { HttpErrorBody } from './http-error.js';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body:
    | { record: InferenceRecord; reused: boolean }
    | { error: HttpErrorBody; record?: InferenceRecord; reused?: boolean };
}

export const internalErrorMessage = 'internal error: the request id finds the details in the service logs';

export function replyForOutcome({ record, reused }: InferenceOutcome): Reply {
  if (record.status !== 'failed') return { status: 200, headers: {}, body: { record, reused } };
  const error: ErrorBody = record.error ?? {
    code: 'INTERNAL_ERROR',
    step: 'persist',
    message: 'the record failed without an error',
    retriable: true,
  };
  const { status, headers } = errorStatus(error);
  return { status, headers, body: { error, record, reused } };
}

/**
 * An error thrown instead of a record: by the job (IN_PROGRESS, STORAGE_ERROR) or while storing an
 * upload. `step` names where it happened when the error does not say.
 */
export function replyForThrownError(thrown: unknown, step: HttpErrorBody['step']): Reply {
  if (!(thrown instanceof DdxError)) {
    return {
      status: 500,
      headers: {},
      body: { error: { code: 'INTERNAL_ERROR', step, message: internalErrorMessage, retriable: true } },
    };
  }
  const { status, headers } = errorStatus(thrown);
  return {
    status,
    headers,
    body: {
      error: {
        code: thrown.code,
        step: thrown.step ?? step,
        message: thrown.code === 'INTERNAL_ERROR' ? internalErrorMessage : thrown.message,
        retriable: thrown.retriable,
      },
    },
  };
}
