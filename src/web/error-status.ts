/**
 * The HTTP status of a failed job, from its error code: the one place where the pipeline's typed
 * errors become statuses (the CLI maps the same codes to exit codes in cli/exit-code.ts).
 *
 * | codes                                             | status                       |
 * | ------------------------------------------------- | ---------------------------- |
 * | INVALID_EVENT                                     | 400                          |
 * | OBJECT_NOT_FOUND                                  | 404                          |
 * | OBJECT_TOO_LARGE                                  | 413                          |
 * | OBJECT_CHANGED                                    | 409                          |
 * | other input codes (metadata, image, no route)     | 422                          |
 * | IN_PROGRESS                                       | 409 + Retry-After            |
 * | DEADLINE_EXCEEDED                                 | 504                          |
 * | dependency codes, retriable                       | 503 + Retry-After            |
 * | dependency codes, permanent                       | 502                          |
 * | INVALID_CONFIGURATION, INTERNAL_ERROR             | 500                          |
 */
import type { ErrorCode } from '../errors.js';

/** A guess, not a promise: the record does not keep a dependency's own `Retry-After`. */
export const retryAfterSeconds = 5;

export interface ErrorStatus {
  status: number;
  headers: Record<string, string>;
}

export function errorStatus(error: { code: ErrorCode; retriable: boolean }): ErrorStatus {
  const plain = (status: number): ErrorStatus => ({ status, headers: {} });
  const retryLater = (status: number): ErrorStatus => ({
    status,
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
  switch (error.code) {
    case 'INVALID_EVENT':
      return plain(400);
    case 'OBJECT_NOT_FOUND':
      return plain(404);
    case 'OBJECT_TOO_LARGE':
      return plain(413);
    case 'OBJECT_CHANGED':
      return plain(409);
    case 'INVALID_METADATA':
    case 'EMPTY_OBJECT':
    case 'UNSUPPORTED_FORMAT':
    case 'CORRUPT_IMAGE':
    case 'IMAGE_TOO_LARGE':
    case 'IMAGE_TOO_SMALL':
    case 'IMAGE_TOO_COMPLEX':
    case 'UNSUPPORTED_MODALITY':
    case 'NO_ROUTE':
      return plain(422);
    case 'IN_PROGRESS':
      return retryLater(409);
    case 'DEADLINE_EXCEEDED':
      return plain(504);
    case 'DEPENDENCY_TIMEOUT':
    case 'DEPENDENCY_UNAVAILABLE':
    case 'THROTTLED':
    case 'MODEL_ERROR':
    case 'INVALID_MODEL_OUTPUT':
    case 'STORAGE_ERROR':
      return error.retriable ? retryLater(503) : plain(502);
    case 'INVALID_CONFIGURATION':
    case 'INTERNAL_ERROR':
      return plain(500);
  }
}
