/**
 * Time intervals for the benchmarks' accounting: the union of intervals that may overlap (work
 * done side by side counts once), and wrappers that record every call a port makes.
 */
export interface Interval {
  start: number;
  end: number;
}

/** Total length of the union of `intervals`, clipped to `[from, to]`. */
export function unionLength(intervals: readonly Interval[], from: number, to: number): number {
  const clipped = intervals
    .map((interval) => ({ start: Math.max(from, interval.start), end: Math.min(to, interval.end) }))
    .filter((interval) => interval.end > interval.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let current: Interval | undefined;
  for (const interval of clipped) {
    if (current && interval.start <= current.end) {
      current.end = Math.max(current.end, interval.end);
      continue;
    }
    if (current) total += current.end - current.start;
    current = { ...interval };
  }
  if (current) total += current.end - current.start;
  return total;
}

/** Replaces each named async method of `target` by one that records its interval in `sink`. */
export function recordCalls<T extends object>(
  target: T,
  methods: readonly (keyof T)[],
  sink: Interval[],
): void {
  for (const method of methods) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    const bound = original.bind(target) as (...args: unknown[]) => Promise<unknown>;
    (target as Record<keyof T, unknown>)[method] = async (...args: unknown[]) => {
      const start = performance.now();
      try {
        return await bound(...args);
      } finally {
        sink.push({ start, end: performance.now() });
      }
    };
  }
}
