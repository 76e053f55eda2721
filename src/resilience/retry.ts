/**
 * Every external call goes through here: a timeout per attempt, a bounded number of attempts,
 * exponential backoff with full jitter (or the dependency's own `Retry-After`), and retries only
 * for errors typed as retriable (timeouts, throttling, 5xx). The job's deadline (`signal`) ends
 * everything at once and is never retried.
 */
import { type DdxError, DeadlineExceededError, DependencyError, ServiceErrorCode } from '../errors.js';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Timeout of one attempt. */
  timeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 3,
  timeoutMs: 10_000,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
};

export interface RetryOptions {
  policy: RetryPolicy;
  /** The job's deadline. */
  signal?: AbortSignal;
  /** What the call is, for error messages: `S3 GetObject`, `SageMaker InvokeEndpoint derm-v3`. */
  operation: string;
  /** Maps whatever the call threw to a typed error; `retriable` decides whether to try again. */
  toError: (error: unknown) => DdxError;
  /** Test seams. */
  random?: () => number;
  sleep?: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
  onRetry?: (attempt: number, error: DdxError, delayMs: number) => void;
}

export async function withRetry<T>(
  call: (signal: AbortSignal) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { policy, signal } = options;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  let lastError: DdxError | undefined;

  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (signal?.aborted) throw deadlineError(signal, lastError);
    const attemptTimeout = AbortSignal.timeout(policy.timeoutMs);
    const attemptSignal = signal ? AbortSignal.any([signal, attemptTimeout]) : attemptTimeout;
    try {
      return await call(attemptSignal);
    } catch (error) {
      if (signal?.aborted) throw deadlineError(signal, error);
      lastError = attemptTimeout.aborted
        ? new DependencyError(`${options.operation} timed out after ${policy.timeoutMs} ms`, {
            code: ServiceErrorCode.dependencyTimeout,
            retriable: true,
            cause: error,
          })
        : options.toError(error);
      if (!lastError.retriable || attempt === policy.attempts) break;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const retryAfter = lastError instanceof DependencyError ? lastError.retryAfterMs : undefined;
      const delayMs = retryAfter !== undefined ? Math.min(retryAfter, policy.maxDelayMs) : random() * backoff;
      options.onRetry?.(attempt, lastError, delayMs);
      try {
        await sleep(delayMs, signal);
      } catch {
        throw deadlineError(signal, lastError);
      }
    }
  }
  if (!lastError) throw new Error(`${options.operation}: no attempt was made`);
  throw lastError;
}

/** The calling step is filled in by the pipeline (`asDdxError`). */
function deadlineError(signal: AbortSignal | undefined, cause: unknown): DdxError {
  return new DeadlineExceededError(undefined, cause ?? signal?.reason);
}

export function abortableSleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parses an HTTP `Retry-After` header (seconds or a date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
