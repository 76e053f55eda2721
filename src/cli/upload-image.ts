/**
 * Puts an image and its metadata into the blob store exactly as a clinician's app would upload
 * it, so the CLI and the HTTP server exercise the same path as an S3 event: `uploadImage` from
 * local files (the CLI), `storeUpload` from bytes already in memory (the HTTP upload).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { metadataSidecarKey } from '../adapters/blob-store/metadata-sidecar.js';
import type { BlobStore } from '../ports.js';

export class LocalFileError extends Error {
  override name = 'LocalFileError';
}

export interface UploadRequest {
  imagePath: string;
  /** The metadata JSON file; its bytes are uploaded as they are, so a malformed file fails the job visibly. */
  metadataPath?: string;
  key: string;
}

export interface StoredUpload {
  key: string;
  image: Uint8Array;
  /** The metadata JSON as sent, stored unchecked: malformed metadata fails the job visibly. `{}` when absent. */
  metadata?: Uint8Array;
  contentType?: string;
}

export async function uploadImage(blobStore: BlobStore, request: UploadRequest): Promise<void> {
  await storeUpload(blobStore, {
    key: request.key,
    image: await readLocalFile(request.imagePath, 'image'),
    metadata: request.metadataPath ? await readLocalFile(request.metadataPath, 'metadata file') : undefined,
  });
}

export async function storeUpload(blobStore: BlobStore, upload: StoredUpload): Promise<void> {
  // Metadata first: a reader that sees the new image must also see its metadata.
  await blobStore.put(metadataSidecarKey(upload.key), upload.metadata ?? Buffer.from('{}\n'), {
    contentType: 'application/json',
  });
  await blobStore.put(upload.key, upload.image, {
    contentType: upload.contentType ?? 'application/octet-stream',
  });
}

/** `<image>.meta.json` beside a local image, when there is one. */
export async function metadataFileBeside(imagePath: string): Promise<string | undefined> {
  const path = metadataSidecarKey(imagePath);
  return (await stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  ))
    ? path
    : undefined;
}

export function uploadKeyFor(inputPrefix: string, relativePath: string): string {
  return `${inputPrefix}${relativePath.split(/[\\/]/).filter(Boolean).join('/') || basename(relativePath)}`;
}

async function readLocalFile(path: string, what: string): Promise<Buffer> {
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw new LocalFileError(`${what} ${path} is not a file`);
    return await readFile(path);
  } catch (error) {
    if (error instanceof LocalFileError) throw error;
    throw new LocalFileError(
      `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}
