/**
 * The short forms of a record that the CLI's tables show (`ddx batch`, `ddx results list`).
 */
import type { InferenceRecord } from '../record.js';

/**
 * The assessment's verdict (`confident`, `uncertain`, `out-of-scope`), when the record has one.
 * Read defensively: records written before the assessment existed have no such field.
 */
export function verdictOf(record: InferenceRecord): string | undefined {
  const assessment = (record as { assessment?: { verdict?: unknown } | null }).assessment;
  return typeof assessment?.verdict === 'string' ? assessment.verdict : undefined;
}

/** `melanoma 97%`, or the error code of a record with no findings, or `-`. */
export function topFinding(record: InferenceRecord): string {
  const top = record.classification?.labels[0];
  if (top) return `${top.label} ${(top.probability * 100).toFixed(0)}%`;
  return record.error?.code ?? '-';
}

/** The job's wall time in whole milliseconds. */
export function totalMilliseconds(record: InferenceRecord): string {
  return record.timings.total === undefined ? '-' : record.timings.total.toFixed(0);
}
