/**
 * The evaluation as report.json: where it ran, with which models and thresholds, the figures, the
 * issue's Done-when checks, and every image's result (so thresholds can be refitted from it).
 */
import type { EvalItem } from './eval-item.js';
import { computeMetrics, type EvalMetrics, headline } from './eval-metrics.js';

export interface DoneWhenCheck {
  name: string;
  value: string;
  target: string;
  met: boolean;
}

export interface EvalReport {
  folder: string;
  /** The metadata given to images without their own (`--metadata`), e.g. `{"imageType": "dermoscopy"}`. */
  metadataFile: string | null;
  createdAt: string;
  models: string[];
  thresholdsVersion: string;
  metrics: EvalMetrics;
  doneWhen: DoneWhenCheck[];
  items: EvalItem[];
}

const shown = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);

/** A row of a non-skin set: its label says so (scripts/assessment/render_fitting_sets.py). */
const isNonSkin = (item: EvalItem) => item.dx.toLowerCase() === 'not-skin';
/** A good-quality image of the project's own synthetic held-out set. */
const isSyntheticHeldOut = (item: EvalItem) =>
  item.metadata.set === 'synthetic' && (item.metadata.quality ?? 'good') === 'good';

/**
 * Issues 10 and 11's Done-when figures, each on the images it is about: the answer checks on
 * labelled skin images (all of derm-eval), the ROI recall on those with an outlined lesion, the refusal check on non-skin rows, the coverage check on the
 * project's synthetic held-out set. A check with no images of its kind in the folder is left out.
 */
export function doneWhenChecks(
  items: readonly EvalItem[],
  malignantModelLabels: readonly string[],
): DoneWhenCheck[] {
  const nonSkin = items.filter(isNonSkin);
  const synthetic = items.filter(isSyntheticHeldOut);
  const skin = items.filter((item) => !isNonSkin(item) && item.metadata.set !== 'synthetic');
  const withBoxes = skin.filter((item) => item.roiExpected);
  return [
    ...(skin.length > 0 ? answerChecks(computeMetrics(skin, malignantModelLabels)) : []),
    ...(withBoxes.length > 0
      ? [
          check(
            'ROI recall at IoU 0.5 (outlined lesions)',
            computeMetrics(withBoxes, malignantModelLabels).roiRecallIoU50,
            '≥ 80%',
            (v) => v >= 0.8,
          ),
        ]
      : []),
    ...(nonSkin.length > 0
      ? [
          check(
            'out of scope or refused (non-skin images)',
            headline(nonSkin).refusedShare,
            '≥ 95%',
            (v) => v >= 0.95,
          ),
        ]
      : []),
    ...(synthetic.length > 0
      ? [
          check(
            'answered confident (synthetic held-out)',
            headline(synthetic).confidentShare,
            '≥ 80%',
            (v) => v >= 0.8,
          ),
        ]
      : []),
  ];
}

function check(name: string, value: number | null, target: string, met: (v: number) => boolean) {
  return { name, value: shown(value), target, met: value !== null && met(value) };
}

function answerChecks(metrics: EvalMetrics): DoneWhenCheck[] {
  const h = metrics.headline;
  const gap =
    h.accuracyConfident !== null && h.accuracyAll !== null ? h.accuracyConfident - h.accuracyAll : null;
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
  ];
}
