/** How values read on the pages: times in UTC without false precision, verdicts in words. */
import type { Verdict } from '../../outputs/reportable-record.js';

/** "2026-11-28T10:00:00.000Z" -> "2026-11-28 10:00 UTC"; anything else as given. */
export function formatTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

/** 12.345 -> "12 ms", 1234 -> "1.23 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export const verdictWords: Record<Verdict, { title: string; meaning: string }> = {
  confident: { title: 'Confident', meaning: 'The checks found no reason to doubt this result.' },
  uncertain: {
    title: 'Uncertain: a weak answer',
    meaning: 'Read the reasons below before relying on the finding.',
  },
  'out-of-scope': {
    title: 'Out of scope',
    meaning: 'The models cannot judge this image, so no finding, recommendation or code is given.',
  },
};
