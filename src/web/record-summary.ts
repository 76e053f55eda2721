/** A worklist row from a stored record: the few fields the worklist shows. */
import type { ReportableRecord } from '../outputs/reportable-record.js';
import type { InferenceRecord } from '../record.js';
import type { RecordSummary } from './view-props.js';

export function recordSummary(record: InferenceRecord): RecordSummary {
  const reportable = record as ReportableRecord;
  const top = record.classification?.labels[0];
  return {
    id: record.id,
    status: record.status,
    createdAt: record.createdAt,
    topLabel: top ? { label: top.label, probability: top.probability } : null,
    verdict: reportable.assessment?.verdict ?? null,
    reviewState: record.review?.state ?? 'preliminary',
    errorCode: record.error?.code ?? null,
  };
}
