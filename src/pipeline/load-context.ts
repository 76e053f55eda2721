/**
 * Step 1: the object's head (size, ETag, version) and its clinical context from user metadata.
 */
import { parseClinicalMetadata } from '../clinical/clinical-context.js';
import type { ClinicalContext, PatientIdentifiers } from '../domain.js';
import type { BlobHead, BlobStore } from '../ports.js';
import type { StepContext } from './pipeline-deps.js';

export interface LoadedContext {
  head: BlobHead;
  context: ClinicalContext;
  patient: PatientIdentifiers;
}

export async function loadContext(
  blobStore: BlobStore,
  key: string,
  step: StepContext,
): Promise<LoadedContext> {
  const head = await blobStore.head(key, { signal: step.signal });
  const { context, patient } = parseClinicalMetadata(head.metadata);
  return { head, context, patient };
}
