/**
 * Step 1: the object's head (size, ETag, version) and its clinical context from user metadata
 * (S3 `x-amz-meta-*` and the sidecar JSON); once the image is decoded, DICOM tags fill what the
 * metadata left out (clinical/merge-dicom-context.ts). Patient identifiers are kept apart: the
 * record gets the de-identified context, the recommender the scrubbed notes.
 */
import { parseClinicalMetadata } from '../clinical/clinical-context.js';
import { type DeidentifiedNotes, deidentify, deidentifyNotes } from '../clinical/deidentify.js';
import type { ContextAndPatient } from '../clinical/merge-dicom-context.js';
import type { ClinicalContext, PatientIdentifiers } from '../domain.js';
import type { BlobHead, BlobStore, ObjectVersion } from '../ports.js';
import type { InferenceRecord } from '../record.js';
import type { StepContext } from './pipeline-deps.js';

export interface LoadedContext {
  head: BlobHead;
  context: ClinicalContext;
  patient: PatientIdentifiers;
}

export async function loadContext(
  blobStore: BlobStore,
  key: string,
  version: ObjectVersion | undefined,
  step: StepContext,
): Promise<LoadedContext> {
  const head = await blobStore.head(key, { signal: step.signal, version });
  const { context, patient } = parseClinicalMetadata(head.metadata);
  return { head, context, patient };
}

export interface RecordedContext {
  /** What the record keeps: the de-identified context, and whether notes came and what was scrubbed. */
  context: NonNullable<InferenceRecord['context']>;
  /** The notes with the patient's identifiers removed, for the recommender; null without notes. */
  notes: DeidentifiedNotes | null;
}

export async function recordedContext({
  context,
  patient,
  otherIdentifiers,
}: ContextAndPatient): Promise<RecordedContext> {
  const notes = await deidentifyNotes(context.notes, patient, otherIdentifiers);
  return {
    context: {
      ...deidentify(context),
      notesProvided: context.notes !== null,
      notesRedactions: notes?.removed ?? null,
      // Codes only: what was dropped (a body site off the vocabulary) or kept apart never is here.
      ...(context.warnings && context.warnings.length > 0 ? { warnings: context.warnings } : {}),
    },
    notes,
  };
}
