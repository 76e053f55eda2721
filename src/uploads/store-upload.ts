/**
 * Puts an image and its metadata into the blob store exactly as a clinician's app uploads it
 * (the sidecar convention, metadata-sidecar.ts), so the CLI and the HTTP server exercise the same
 * path as an S3 event.
 */
import type { BlobStore } from '../ports.js';
import { metadataSidecarKey } from './metadata-sidecar.js';

/** The sidecar stored for an upload that came without metadata. */
export const noMetadata: Uint8Array = Buffer.from('{}\n');

export interface StoredUpload {
  key: string;
  image: Uint8Array;
  /** The metadata JSON as sent, stored unchecked: malformed metadata fails the job visibly. `{}` when absent. */
  metadata?: Uint8Array;
  contentType?: string;
}

export async function storeUpload(blobStore: BlobStore, upload: StoredUpload): Promise<void> {
  // Metadata first: a reader that sees the new image must also see its metadata.
  await blobStore.put(metadataSidecarKey(upload.key), upload.metadata ?? noMetadata, {
    contentType: 'application/json',
  });
  await blobStore.put(upload.key, upload.image, {
    contentType: upload.contentType ?? 'application/octet-stream',
  });
}
