/**
 * Measures the wall time of each step and sub-step of a job, for the record's `timings`.
 * Each measured interval is also published on the `ddx:step-span` diagnostics channel, for
 * benchmarks that need the intervals themselves (their union, when steps overlap); publishing
 * costs nothing while no one subscribes.
 */
import { channel } from 'node:diagnostics_channel';

/** One measured interval, in `performance.now()` milliseconds. */
export interface StepSpan {
  name: string;
  start: number;
  end: number;
}

export const stepSpans = channel('ddx:step-span');

export class StepTimer {
  private readonly started = performance.now();
  private readonly durations: Record<string, number> = {};

  async measure<T>(name: string, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      const end = performance.now();
      this.record(name, end - start);
      if (stepSpans.hasSubscribers) stepSpans.publish({ name, start, end } satisfies StepSpan);
    }
  }

  record(name: string, milliseconds: number): void {
    this.durations[name] = Math.round(milliseconds * 10) / 10;
  }

  /** Durations so far plus `total` since the timer started. */
  snapshot(): Record<string, number> {
    return { ...this.durations, total: Math.round((performance.now() - this.started) * 10) / 10 };
  }
}
