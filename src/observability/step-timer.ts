/**
 * Measures the wall time of each step and sub-step of a job, for the record's `timings`.
 */
export class StepTimer {
  private readonly started = performance.now();
  private readonly durations: Record<string, number> = {};

  async measure<T>(name: string, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.record(name, performance.now() - start);
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
