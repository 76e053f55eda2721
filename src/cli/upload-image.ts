/**
 * `ddx run` and `ddx batch` upload local files as a clinician's app would (uploads/store-upload.ts):
 * the image, and its metadata file when there is one.
 */
import { readFile, stat } from 'node:fs/promises';
import type { BlobStore } from '../ports.js';
import { metadataSidecarKey } from '../uploads/metadata-sidecar.js';
import { storeUpload } from '../uploads/store-upload.js';

export class LocalFileError extends Error {
  override name = 'LocalFileError';
}

export interface UploadRequest {
  imagePath: string;
  /** The metadata JSON file; its bytes are uploaded as they are, so a malformed file fails the job visibly. */
  metadataPath?: string;
  key: string;
}

export async function uploadImage(blobStore: BlobStore, request: UploadRequest): Promise<void> {
  await storeUpload(blobStore, {
    key: request.key,
    image: await readLocalFile(request.imagePath, 'image'),
    metadata: request.metadataPath ? await readLocalFile(request.metadataPath, 'metadata file') : undefined,
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
