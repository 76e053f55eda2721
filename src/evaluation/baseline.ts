/**
 * `--baseline previous.json`: the gate before promoting a model or a prompt label. A figure that
 * moved the wrong way by more than its tolerance is a regression, and `ddx eval` exits non-zero.
 */
import type { EvalReport } from './eval-report.js';

interface Watched {
  name: string;
  read(report: EvalReport): number | null;
  /** `higher`: a drop is a regression; `lower`: a rise is. */
  better: 'higher' | 'lower';
  tolerance: number;
}

/** Tolerances in absolute points (0.02 = 2 percentage points); dangerous misses: not one more. */
export const watchedFigures: readonly Watched[] = [
  { name: 'top1', read: (r) => r.metrics.top1, better: 'higher', tolerance: 0.02 },
  { name: 'roiRecallIoU50', read: (r) => r.metrics.roiRecallIoU50, better: 'higher', tolerance: 0.02 },
  {
    name: 'accuracyConfident',
    read: (r) => r.metrics.headline.accuracyConfident,
    better: 'higher',
    tolerance: 0.02,
  },
  {
    name: 'confidentShare',
    read: (r) => r.metrics.headline.confidentShare,
    better: 'higher',
    tolerance: 0.05,
  },
  {
    name: 'confidentAndWrongShare',
    read: (r) => r.metrics.headline.confidentAndWrongShare,
    better: 'lower',
    tolerance: 0.01,
  },
  { name: 'refusedShare', read: (r) => r.metrics.headline.refusedShare, better: 'higher', tolerance: 0.02 },
  { name: 'ece', read: (r) => r.metrics.calibration.ece, better: 'lower', tolerance: 0.02 },
  { name: 'dangerousMisses', read: (r) => r.metrics.dangerousMisses.length, better: 'lower', tolerance: 0 },
];

export interface Regression {
  figure: string;
  baseline: number;
  current: number;
  tolerance: number;
}

export function regressionsAgainst(baseline: EvalReport, current: EvalReport): Regression[] {
  return watchedFigures.flatMap((figure) => {
    const before = figure.read(baseline);
    const now = figure.read(current);
    if (before === null || now === null) return [];
    const worse = figure.better === 'higher' ? before - now : now - before;
    return worse > figure.tolerance + 1e-9
      ? [{ figure: figure.name, baseline: before, current: now, tolerance: figure.tolerance }]
      : [];
  });
}
