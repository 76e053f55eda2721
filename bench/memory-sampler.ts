/**
 * The orchestrator's resident set, sampled on an interval while the load runs: the peak between
 * samples can be missed, so the report also gives the kernel's own high-water mark
 * (`process.resourceUsage().maxRSS`), which covers the whole process life, start-up included.
 */
export interface MemorySampler {
  /** Stops sampling; the highest RSS seen, in bytes. */
  stop(): number;
}

export function sampleResidentSet(intervalMs = 50): MemorySampler {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  // Sampling never keeps the process alive on its own.
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}
