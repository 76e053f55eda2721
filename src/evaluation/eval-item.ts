/**
 * One evaluated image: what the data set says (label, box, metadata) beside what the pipeline
 * answered (top labels, verdict, region of interest, time). The metrics (eval-metrics.ts) read
 * only these.
 */
import type { Box } from '../domain.js';
import type { InferenceRecord, Verdict } from '../record.js';
import type { LabelMap } from './label-map.js';
import type { FractionBox, LabelRow } from './labels-file.js';

export interface EvalItem {
  file: string;
  dx: string;
  /** The model label the data-set label maps to; null when the models have none. */
  expected: string | null;
  malignant: boolean;
  metadata: Record<string, string>;
  status: InferenceRecord['status'] | 'not-run';
  /** An input error code (UNSUPPORTED_MODALITY...) when the pipeline refused the file outright. */
  errorCode: string | null;
  verdict: Verdict | null;
  reasons: string[];
  /** Calibrated, best first (every label the classifier gave). */
  top: { label: string; probability: number; rawProbability: number }[];
  classifier: string | null;
  /**
   * IoU of the classified region with the nearest labelled box; 0 when the image has a box but the
   * pipeline localised nothing (no lesion found, a whole-image route, a failed run); null without a box.
   */
  roiIoU: number | null;
  /** True when the data set outlines a lesion on this image: it counts in the ROI recall. */
  roiExpected: boolean;
  scores: Record<string, number>;
  latencyMs: number | null;
}

export function evalItemOf(
  row: LabelRow,
  record: InferenceRecord | undefined,
  labelMap: LabelMap,
  malignantModelLabels: readonly string[],
): EvalItem {
  const expected = labelMap.modelLabel(row.dx);
  const labels = record?.classification?.labels ?? [];
  const image = record?.image;
  const roi = record?.localization?.roi?.box ?? null;
  const truths = image ? row.boxes.map((box) => boxFromFractions(box, image.width, image.height)) : [];
  const roiExpected = row.boxes.length > 0;
  return {
    file: row.file,
    dx: row.dx,
    expected,
    malignant: labelMap.isMalignant(row.dx) || (expected !== null && malignantModelLabels.includes(expected)),
    metadata: row.metadata,
    status: record?.status ?? 'not-run',
    errorCode: record?.error?.code ?? null,
    verdict: record?.assessment?.verdict ?? null,
    reasons: record?.assessment?.reasons.map((reason) => reason.code) ?? [],
    top: labels
      .slice(0, 3)
      .map(({ label, probability, rawProbability }) => ({ label, probability, rawProbability })),
    classifier: record?.classification?.model.id ?? null,
    roiIoU: roiExpected
      ? Math.max(0, ...truths.map((truth) => (roi ? intersectionOverUnion(truth, roi) : 0)))
      : null,
    roiExpected,
    scores: record?.assessment?.scores ?? {},
    latencyMs: record?.timings.total ?? null,
  };
}

function boxFromFractions(box: FractionBox, width: number, height: number): Box {
  return {
    x: box.xMin * width,
    y: box.yMin * height,
    width: (box.xMax - box.xMin) * width,
    height: (box.yMax - box.yMin) * height,
  };
}

export function intersectionOverUnion(a: Box, b: Box): number {
  const left = Math.max(a.x, b.x);
  const top = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  const intersection = Math.max(0, right - left) * Math.max(0, bottom - top);
  const union = a.width * a.height + b.width * b.height - intersection;
  return union > 0 ? intersection / union : 0;
}
