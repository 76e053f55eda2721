/**
 * The one JSON line each benchmark ends with: `{"bench", "figures", "goals", "machine"}`, which
 * `npm run bench:table` (scripts/bench-table.ts) turns into the figures table of
 * docs/benchmarks.md. Goals are bounds on a figure (`max` or `min`); the machine's load average
 * travels with the figures, since 2 shared cores make absolute numbers noisy.
 */
import { cpus, loadavg } from 'node:os';

export type Goal = { max: number } | { min: number };

export interface BenchLine {
  bench: string;
  figures: Record<string, number>;
  goals: Record<string, Goal>;
  machine: { node: string; cores: number; loadAverage1m: number };
}

export const benchLinePrefix = '{"bench":';

export function meetsGoal(value: number, goal: Goal): boolean {
  return 'max' in goal ? value <= goal.max : value >= goal.min;
}

export function describeGoal(goal: Goal): string {
  return 'max' in goal ? `<= ${goal.max}` : `>= ${goal.min}`;
}

/** Prints the figures against their goals, then the JSON line (last, for bench:table). */
export function reportFigures(
  bench: string,
  figures: Record<string, number>,
  goals: Record<string, Goal>,
): void {
  for (const [name, goal] of Object.entries(goals)) {
    const value = figures[name] ?? Number.NaN;
    console.log(
      `  ${name.padEnd(24)} ${round(value).toString().padStart(8)}  goal ${describeGoal(goal).padEnd(8)} ${meetsGoal(value, goal) ? 'met' : 'NOT MET'}`,
    );
  }
  const line: BenchLine = {
    bench,
    figures: Object.fromEntries(Object.entries(figures).map(([name, value]) => [name, round(value)])),
    goals,
    machine: { node: process.version, cores: cpus().length, loadAverage1m: round(loadavg()[0] ?? 0) },
  };
  console.log(JSON.stringify(line));
}

export function machineLine(): string {
  const [one, five] = loadavg();
  return `node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} cores, load average ${one?.toFixed(2)} (1 min) ${five?.toFixed(2)} (5 min)`;
}

const round = (value: number) => Math.round(value * 1000) / 1000;
