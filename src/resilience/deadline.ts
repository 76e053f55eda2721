/**
 * A job's deadline as an AbortSignal. Unlike `AbortSignal.timeout`, the timer here keeps the
 * process alive, so a job waiting on a hung dependency ends at its deadline instead of the event
 * loop draining underneath it; `stop()` clears it when the job is done.
 */

export interface Deadline {
  signal: AbortSignal;
  /** Abort now: the job no longer needs the work in flight. */
  cancel(): void;
  /** Release the timer. */
  stop(): void;
}

export function startDeadline(deadlineEpochMs: number): Deadline {
  const controller = new AbortController();
  const expire = () => controller.abort(new DOMException('the job deadline passed', 'TimeoutError'));
  const remaining = deadlineEpochMs - Date.now();
  let timer: NodeJS.Timeout | undefined;
  if (remaining <= 0) expire();
  else timer = setTimeout(expire, remaining);
  return {
    signal: controller.signal,
    cancel: () => controller.abort(new DOMException('the job no longer needs this work', 'AbortError')),
    stop: () => clearTimeout(timer),
  };
}
