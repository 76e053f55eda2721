/**
 * `ddx run` and `ddx batch` upload local files as a clinician's app would (uploads/store-upload.ts):
 * the image, and its metadata file when there is one, under a key derived from both
 * (uploads/content-upload-key.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import type { BlobStore, ObjectVersion } from '../ports.js';
import { contentUploadKey } from '../uploads/content-upload-key.js';
import { metadataSidecarKey } from '../uploads/metadata-sidecar.js';
import { noMetadata, storeUpload } from '../uploads/store-upload.js';
import { UsageError } from './usage-error.js';

/** A local file named on the command line cannot be read: the user's to fix, exit code 2. */
export class LocalFileError extends UsageError {
  override name = 'LocalFileError';
}

export interface LocalFiles {
  imagePath: string;
  /** The metadata JSON file; its bytes are uploaded as they are, so a malformed file fails the job visibly. */
  metadataPath?: string;
}

export interface UploadRequest extends LocalFiles {
  key: string;
}

export interface LocalUpload {
  image: Buffer;
  metadata: Uint8Array;
}

/** Reads the image and its metadata; a file that cannot be read is a `LocalFileError`. */
export async function readLocalUpload(files: LocalFiles): Promise<LocalUpload> {
  return {
    image: await readLocalFile(files.imagePath, 'image'),
    metadata: files.metadataPath ? await readLocalFile(files.metadataPath, 'metadata file') : noMetadata,
  };
}

/** Where an upload was stored: its key and exact version, the source of the job that analyses it. */
export interface UploadedSource extends ObjectVersion {
  key: string;
}

/**
 * Uploads under `<input prefix>cli/<digest of image and metadata>/<name>` and returns that key
 * with the version stored.
 *
 * @example
 * const source = await uploadLocalImage(deps.blobStore, { imagePath: 'a.jpg', inputPrefix: 'uploads/', name: 'a.jpg' });
 * await runInference({ source, requestId: 'r1', trigger: 'cli' }, deps);
 */
export async function uploadLocalImage(
  blobStore: BlobStore,
  request: LocalFiles & { inputPrefix: string; name: string },
  upload?: LocalUpload,
): Promise<UploadedSource> {
  const content = upload ?? (await readLocalUpload(request));
  const key = contentUploadKey(request.inputPrefix, request.name, content);
  return { key, ...(await storeUpload(blobStore, { key, ...content })) };
}

/** Uploads under a key the caller chose (tests and benchmarks that name their keys). */
export async function uploadImage(blobStore: BlobStore, request: UploadRequest): Promise<UploadedSource> {
  const version = await storeUpload(blobStore, { key: request.key, ...(await readLocalUpload(request)) });
  return { key: request.key, ...version };
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
    throw new LocalFileError(`cannot read ${what} ${path}: ${describeFileError(error)}`);
  }
}

/** `no such file or directory (ENOENT)` rather than a bare code or a stack. */
export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    ENOTDIR: 'a part of the path is not a folder',
    EISDIR: 'it is a folder',
    ELOOP: 'too many symbolic links',
  };
  if (code && known[code]) return `${known[code]} (${code})`;
  return code ?? (error as Error).message;
}
