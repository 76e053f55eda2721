/**
 * Puts an image and its metadata into the blob store exactly as a clinician's app uploads it
 * (the sidecar convention, metadata-sidecar.ts), so the CLI and the HTTP server exercise the same
 * path as an S3 event. Image and sidecar are stored as one version (`put` with `sidecar`): the
 * version it returns is read back with exactly this metadata, even while other uploads race for
 * the same key.
 */
import type { BlobStore, CallOptions, ObjectVersion } from '../ports.js';

/** The sidecar stored for an upload that came without metadata. */
export const noMetadata: Uint8Array = Buffer.from('{}\n');

export interface StoredUpload {
  key: string;
  image: Uint8Array;
  /** The metadata JSON as sent, stored unchecked: malformed metadata fails the job visibly. `{}` when absent. */
  metadata?: Uint8Array;
  contentType?: string;
}

/** Stores the upload and names its version, for the job that analyses it (`Job.source`). */
export function storeUpload(
  blobStore: BlobStore,
  upload: StoredUpload,
  options: CallOptions = {},
): Promise<ObjectVersion> {
  return blobStore.put(upload.key, upload.image, {
    contentType: upload.contentType ?? 'application/octet-stream',
    sidecar: upload.metadata ?? noMetadata,
    signal: options.signal,
  });
}
