/**
 * What the load bench asserts once the queue is drained, as a list of problems (empty when all
 * holds): every upload has exactly one record, under the id its event names, with the status its
 * input calls for; every record was written once (a second write would be work done twice); every
 * message, redeliveries included, was answered with the stored record; nothing went to the
 * dead-letter queue.
 */
import type { InferenceRecord } from '../src/record.js';
import { recordIdFor } from '../src/record.js';
import type { ObjectOutcome } from '../src/triggers/process-event.js';
import type { PlannedUpload } from './load-uploads.js';

export interface LoadEvidence {
  bucket: string;
  uploads: readonly PlannedUpload[];
  /** Every record in the result store. */
  records: readonly InferenceRecord[];
  /** Successful writes per record id, counted at the store. */
  writes: ReadonlyMap<string, number>;
  /** The upload each message named, by message id. */
  messages: ReadonlyMap<string, PlannedUpload>;
  finalOutcomes: ReadonlyMap<string, ObjectOutcome>;
  deadLetters: number;
}

export function expectedRecordId(bucket: string, upload: PlannedUpload): string {
  // processEvent quotes the event's bare ETag, as HeadObject spells it.
  return recordIdFor({ bucket, key: upload.key, etag: `"${upload.etag}"` });
}

export function checkLoad(evidence: LoadEvidence): string[] {
  const problems: string[] = [];
  const byKey = groupBy(evidence.records, (record) => record.source.key);
  const byId = groupBy(evidence.records, (record) => record.id);
  for (const [id, records] of byId) {
    if (records.length > 1) problems.push(`duplicate record id ${id} (${records.length} rows)`);
  }
  const plannedKeys = new Set(evidence.uploads.map((upload) => upload.key));
  for (const record of evidence.records) {
    if (!plannedKeys.has(record.source.key)) problems.push(`unexpected record for ${record.source.key}`);
  }

  for (const upload of evidence.uploads) {
    const records = byKey.get(upload.key) ?? [];
    const [record] = records;
    if (!record) {
      problems.push(`lost: no record for ${upload.key}`);
      continue;
    }
    if (records.length > 1) problems.push(`duplicate: ${records.length} records for ${upload.key}`);
    const id = expectedRecordId(evidence.bucket, upload);
    if (record.id !== id) problems.push(`${upload.key}: record ${record.id}, the event names ${id}`);
    const writes = evidence.writes.get(record.id) ?? 0;
    if (writes !== 1) problems.push(`${upload.key}: record written ${writes} times`);
    const problem = statusProblem(upload, record);
    if (problem) problems.push(`${upload.key}: ${problem}`);
  }

  const stored = new Map(evidence.records.map((record) => [record.id, record]));
  for (const [messageId, upload] of evidence.messages) {
    const outcome = evidence.finalOutcomes.get(messageId);
    if (!outcome) {
      problems.push(`message ${messageId} (${upload.key}) has no outcome`);
    } else if (outcome.kind !== 'finished') {
      problems.push(`message ${messageId} (${upload.key}) ended transient: ${outcome.code}`);
    } else {
      const record = stored.get(outcome.record.id);
      if (record?.updatedAt !== outcome.record.updatedAt) {
        problems.push(`message ${messageId} (${upload.key}) was answered with a record not in the store`);
      }
    }
  }
  if (evidence.deadLetters > 0)
    problems.push(`${evidence.deadLetters} message(s) went to the dead-letter queue`);
  return problems;
}

function statusProblem(upload: PlannedUpload, record: InferenceRecord): string | undefined {
  const { expected } = upload;
  const found = `${record.status}${record.error ? ` ${record.error.code} at ${record.error.step}: ${record.error.message}` : ''}`;
  if (expected.status === 'usable') {
    const usable = (record.status === 'succeeded' || record.status === 'degraded') && record.classification;
    return usable ? undefined : `expected succeeded or degraded, found ${found}`;
  }
  const failedAsExpected =
    record.status === 'failed' && record.error?.code === expected.code && record.error.retriable === false;
  return failedAsExpected
    ? undefined
    : `${expected.problem}: expected failed ${expected.code} (not retriable), found ${found}`;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
