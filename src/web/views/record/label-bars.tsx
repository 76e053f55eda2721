/**
 * The ranked labels as bars: the calibrated probability drawn, the model's raw probability as a
 * thin second bar when the record keeps it. Uncalibrated probabilities are said to be so.
 */
import type { LabelScore } from '../../../domain.js';
import {
  labelDisplay,
  percent,
  type ReportableClassification,
  rawProbabilityOf,
} from '../../../outputs/reportable-record.js';

/** The raw probability, whether the record keeps it on the label or in a `rawLabels` list. */
function rawOf(classification: ReportableClassification, label: LabelScore): number | null {
  const own = (label as LabelScore & { rawProbability?: unknown }).rawProbability;
  return typeof own === 'number' ? own : rawProbabilityOf(classification, label.label);
}

function widthOf(probability: number): string {
  return `width:${Math.min(100, Math.max(0, probability * 100)).toFixed(1)}%`;
}

export function LabelBars({ classification }: { classification: ReportableClassification }) {
  const calibration = classification.calibration;
  return (
    <>
      <p class="muted">
        {calibration
          ? `Calibrated probabilities (${calibration.method} scaling, T = ${calibration.temperature}); the thin grey bar is the model's raw output.`
          : "The model's own probabilities: not calibrated, so they may overstate confidence."}{' '}
        Classified: {classification.input === 'crop' ? 'the cropped region' : 'the whole image'}.
      </p>
      <ol class="bars">
        {classification.labels.map((label) => {
          const raw = rawOf(classification, label);
          return (
            <li data-label={label.label} data-probability={label.probability}>
              <div class="bar-head">
                <span>{labelDisplay(label.label)}</span>
                <span>
                  {percent(label.probability)}
                  {raw !== null && <span class="muted"> (raw {percent(raw)})</span>}
                </span>
              </div>
              <div class="bar" role="presentation">
                <div class="fill" style={widthOf(label.probability)} />
              </div>
              {raw !== null && (
                <div class="bar raw" role="presentation">
                  <div class="fill" style={widthOf(raw)} />
                </div>
              )}
            </li>
          );
        })}
      </ol>
    </>
  );
}
