/**
 * Step 7: the record, assembled from the analysis, written to the result store: only if no record
 * has its id yet, or in place of the retriable failure it re-runs if that is still what is stored
 * (`replacing`, optimistic concurrency). Patient identifiers go beside it, never in it. The session
 * (record-session.ts) gives the write its own deadline and logs the outcome.
 */
import type { PatientIdentifiers } from '../domain.js';
import { asDdxError, PipelineStep } from '../errors.js';
import type { ResultStore, SaveOutcome } from '../ports.js';
import type { InferenceRecord, SourceObject, Trigger } from '../record.js';
import type { Analysis } from './analyse.js';

export interface RecordIdentity {
  id: string;
  source: SourceObject;
  requestId: string;
  trigger: Trigger;
}

export function assembleRecord(
  identity: RecordIdentity,
  analysis: Analysis,
  times: { timings: Record<string, number>; createdAt: string; updatedAt: string },
): InferenceRecord {
  const { id, source, requestId, trigger } = identity;
  const { error } = analysis;
  return {
    id,
    schemaVersion: 1,
    status: analysis.status,
    source,
    requestId,
    trigger,
    ...analysis.findings,
    error: error
      ? {
          code: error.code,
          step: error.step ?? PipelineStep.persist,
          message: error.message,
          retriable: error.retriable,
        }
      : null,
    ...times,
  };
}

export function persist(
  store: ResultStore,
  record: InferenceRecord,
  options: { replacing: string | undefined; patient: PatientIdentifiers | undefined; signal: AbortSignal },
): Promise<SaveOutcome> {
  return store.save(record, options).catch((failure: unknown) => {
    throw asDdxError(failure, PipelineStep.persist);
  });
}
