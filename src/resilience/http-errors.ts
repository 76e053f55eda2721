/**
 * Typed errors from HTTP answers and network failures, shared by every adapter that calls a
 * remote service: throttling, timeouts and 5xx are retriable; other 4xx are not.
 */
import { DdxError, DependencyError, ServiceErrorCode } from '../errors.js';
import { parseRetryAfter } from './retry.js';

export function errorFromHttpStatus(
  operation: string,
  status: number,
  detail: string,
  retryAfterHeader?: string | null,
): DependencyError {
  const message = `${operation} answered HTTP ${status}${detail ? `: ${detail.slice(0, 200)}` : ''}`;
  const retryAfterMs = parseRetryAfter(retryAfterHeader);
  if (status === 429)
    return new DependencyError(message, { code: ServiceErrorCode.throttled, retriable: true, retryAfterMs });
  if (status === 408)
    return new DependencyError(message, { code: ServiceErrorCode.dependencyTimeout, retriable: true });
  if (status >= 500) {
    return new DependencyError(message, {
      code: ServiceErrorCode.dependencyUnavailable,
      retriable: true,
      retryAfterMs,
    });
  }
  return new DependencyError(message, { code: ServiceErrorCode.dependencyUnavailable, retriable: false });
}

const transientNetworkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** A failure below HTTP (reset, refused, DNS): worth another attempt. */
export function errorFromNetworkFailure(operation: string, error: unknown): DdxError {
  if (error instanceof DdxError) return error;
  const code = networkErrorCode(error);
  return new DependencyError(`${operation} failed: ${code ?? (error as Error)?.message ?? String(error)}`, {
    code: ServiceErrorCode.dependencyUnavailable,
    retriable: code === undefined || transientNetworkCodes.has(code),
    cause: error,
  });
}

function networkErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
