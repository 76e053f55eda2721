/**
 * Runs one corpus case the way production would meet it: an upload case is put in the bucket with
 * the CLI's own upload helper and run like `ddx run`; an event case uploads its objects, then hands
 * its event to `processEvent` like the Lambda handler. Returns what happened, for the caller to
 * judge; only a crash (an error the service should never throw) escapes.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { uploadImage } from '../../src/cli/upload-image.js';
import { DdxError, type ErrorCode } from '../../src/errors.js';
import type { PipelineDeps } from '../../src/pipeline/pipeline-deps.js';
import { runInference } from '../../src/pipeline/run-inference.js';
import type { InferenceRecord } from '../../src/record.js';
import {
  type ObjectOutcome,
  processEvent,
  TransientFailuresError,
} from '../../src/triggers/process-event.js';
import type { SkipReason } from '../../src/triggers/s3-event.js';
import { metadataSidecarKey } from '../../src/uploads/metadata-sidecar.js';
import { type PreparedUpload, type PrepareOptions, prepareUploads } from './corpus.js';
import type { CorpusCase } from './corpus-case.js';

export interface CorpusRunSettings extends PrepareOptions {
  deps: PipelineDeps;
  /** A scratch folder for the local files the CLI helper uploads. */
  stagingDir: string;
}

export interface ObservedOutcome {
  /** The keys the case uploaded. */
  keys: string[];
  /** Records of the objects run, in order (an object named twice appears twice). */
  records: InferenceRecord[];
  retried: ErrorCode[];
  skipped: SkipReason[];
  /** The typed error `processEvent` refused the whole event with. */
  rejected: DdxError | undefined;
}

export async function runCorpusCase(
  testCase: CorpusCase,
  settings: CorpusRunSettings,
): Promise<ObservedOutcome> {
  const uploads = await prepareUploads(testCase, settings);
  const folder = join(settings.stagingDir, testCase.id);
  await mkdir(folder, { recursive: true });
  await Promise.all(
    uploads.map((upload, index) => stageAndUpload(upload, join(folder, `object-${index}`), settings)),
  );
  const keys = uploads.map((upload) => upload.key);
  const requestId = `corpus-${testCase.id}-${randomUUID()}`;

  if (testCase.category !== 'event') {
    const [key] = keys;
    if (!key) throw new Error(`${testCase.id}: an upload case uploads one object`);
    const { record } = await runInference({ source: { key }, requestId, trigger: 'cli' }, settings.deps);
    return { keys, records: [record], retried: [], skipped: [], rejected: undefined };
  }

  const etags = new Map<string, string>();
  for (const key of keys) {
    const { etag } = await settings.deps.blobStore.head(key);
    if (etag) etags.set(key, etag.replace(/"/g, ''));
  }
  const event = testCase.event({ bucket: settings.deps.blobStore.bucket, etagOf: (key) => etags.get(key) });
  let outcomes: ObjectOutcome[];
  let skipped: SkipReason[] = [];
  try {
    const processed = await processEvent(event, settings.deps, {
      inputPrefix: settings.inputPrefix,
      requestId,
      concurrency: 2,
    });
    outcomes = processed.outcomes;
    skipped = processed.skipped.map((item) => item.reason);
  } catch (error) {
    // Direct S3 and EventBridge events throw after every object ran, so Lambda retries them.
    if (error instanceof TransientFailuresError) outcomes = error.outcomes;
    else if (error instanceof DdxError)
      return { keys, records: [], retried: [], skipped: [], rejected: error };
    else throw error;
  }
  return {
    keys,
    records: outcomes.flatMap((outcome) => (outcome.kind === 'finished' ? [outcome.record] : [])),
    retried: outcomes.flatMap((outcome) => (outcome.kind === 'transient' ? [outcome.code] : [])),
    skipped,
    rejected: undefined,
  };
}

/** Writes the object (and its sidecar) as local files, then uploads them with the CLI's helper. */
async function stageAndUpload(
  upload: PreparedUpload,
  imagePath: string,
  settings: CorpusRunSettings,
): Promise<void> {
  await writeFile(imagePath, upload.image);
  if (upload.sidecar === null) {
    // The CLI always writes a sidecar; a bucket object may have none, which is what this case is.
    await settings.deps.blobStore.put(upload.key, upload.image, { contentType: 'application/octet-stream' });
    return;
  }
  const metadataPath = metadataSidecarKey(imagePath);
  await writeFile(metadataPath, upload.sidecar);
  await uploadImage(settings.deps.blobStore, { imagePath, metadataPath, key: upload.key });
}
