/**
 * The job slots of one server (`--max-jobs`): at most `max` jobs at once. A request asks twice:
 * before its body is read (a full server refuses at once, reading nothing) and again once the
 * body is in, when it takes the slot. A slow client therefore never holds a slot while it sends.
 */
import { HttpError, RequestErrorCode } from './http-error.js';

export interface JobSlots {
  /** Throws SERVER_BUSY when every slot is taken. */
  checkFree(): void;
  /** Runs `work` in a slot, or throws SERVER_BUSY. */
  run<T>(work: () => Promise<T>): Promise<T>;
  readonly running: number;
}

export function createJobSlots(max: number): JobSlots {
  let running = 0;
  const busy = () =>
    new HttpError(503, RequestErrorCode.busy, `${max} jobs are running: try again shortly`, {
      'retry-after': '1',
    });
  return {
    checkFree() {
      if (running >= max) throw busy();
    },
    async run(work) {
      if (running >= max) throw busy();
      running++;
      try {
        return await work();
      } finally {
        running--;
      }
    },
    get running() {
      return running;
    },
  };
}
