/**
 * The evaluation as report.json: where it ran, with which models and thresholds, the figures, the
 * issue's Done-when checks, and every image's result (so thresholds can be refitted from it).
 */
import type { EvalItem } from './eval-item.js';
import type { EvalMetrics } from './eval-metrics.js';

export interface DoneWhenCheck {
  name: string;
  value: string;
  target: string;
  met: boolean;
}

export interface EvalReport {
  folder: string;
  createdAt: string;
  models: string[];
  thresholdsVersion: string;
  metrics: EvalMetrics;
  doneWhen: DoneWhenCheck[];
  items: EvalItem[];
}

const shown = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);

/** Issue 10's Done-when figures, measured on this folder. */
export function doneWhenChecks(metrics: EvalMetrics): DoneWhenCheck[] {
  const h = metrics.headline;
  const gap =
    h.accuracyConfident !== null && h.accuracyAll !== null ? h.accuracyConfident - h.accuracyAll : null;
  const check = (name: string, value: number | null, target: string, met: (v: number) => boolean) => ({
    name,
    value: shown(value),
    target,
    met: value !== null && met(value),
  });
  return [
    check('confident and wrong, of all images', h.confidentAndWrongShare, '≤ 5%', (v) => v <= 0.05),
    {
      name: 'dangerous misses (malignant called benign, confident)',
      value: String(metrics.dangerousMisses.length),
      target: '0',
      met: metrics.dangerousMisses.length === 0,
    },
    check('wrong answers not confident', h.wrongNotConfidentShare, '≥ 70%', (v) => v >= 0.7),
    check('confident accuracy minus all-answer accuracy', gap, '≥ 10 points', (v) => v >= 0.1),
    check('answered confident', h.confidentShare, '≥ 10%', (v) => v >= 0.1),
    check('out of scope or refused (non-skin sets)', h.refusedShare, '≥ 95% on non-skin', (v) => v >= 0.95),
    check('answered confident (synthetic held-out)', h.confidentShare, '≥ 80% on synthetic', (v) => v >= 0.8),
  ];
}
