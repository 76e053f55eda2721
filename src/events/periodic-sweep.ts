/**
 * A long-running process's stand-in for the Lambda's scheduled sweep: every `intervalMs`, one
 * sweep of the outbox (entries due after a backoff, what a crash left), never two at once. The
 * timer does not keep the process alive; `stop` waits for a sweep in progress.
 */
import type { Logger } from '../ports.js';
import type { EventDelivery } from './event-delivery.js';

export function startPeriodicSweep(
  delivery: EventDelivery,
  intervalMs: number,
  logger: Logger,
): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const stopping = new AbortController();
  const timer = setInterval(() => {
    if (running) return;
    running = delivery
      .sweep({ signal: stopping.signal })
      .catch((error: unknown) => logger.warn('outbox sweep failed', { error: (error as Error).name }))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await running;
    },
  };
}
