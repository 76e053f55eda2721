/**
 * BlobStore on a local folder: the embedded twin of S3. An object's user metadata lives in a
 * sidecar `<key>.meta.json` beside it (the local equivalent of `x-amz-meta-*`). The ETag is the
 * MD5 of the content and the sidecar together: rewriting either makes a new version of the object,
 * as a new PUT does in a versioned bucket, so re-running with corrected metadata is a new record.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { BadInputError, DependencyError, InputErrorCode, ServiceErrorCode } from '../../errors.js';
import type { BlobHead, BlobStore, CallOptions, GetOptions, PutOptions } from '../../ports.js';
import {
  maxMetadataSidecarBytes,
  metadataSidecarKey,
  metadataSidecarTooLarge,
  parseMetadataSidecar,
} from '../../uploads/metadata-sidecar.js';
import { keepPrivate, makePrivateDirectory, privateFileMode } from '../shared/fs/private-files.js';

export interface LocalFolderBlobStoreSettings {
  /** The folder that plays the bucket. */
  root: string;
  /** The bucket name records carry; a name, not the path, so moving the folder keeps record ids. */
  bucket?: string;
}

const contentTypes: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  avif: 'image/avif',
};

export function createLocalFolderBlobStore(settings: LocalFolderBlobStoreSettings): BlobStore {
  const root = resolve(settings.root);

  /** Maps a key to a path inside the root; keys that could escape it are refused. */
  function pathOf(key: string): string {
    const segments = key.split('/');
    const unsafe =
      key.length === 0 ||
      Buffer.byteLength(key) > 1024 ||
      key.includes('\0') ||
      key.includes('\\') ||
      key.startsWith('/') ||
      segments.some((segment) => segment === '' || segment === '.' || segment === '..');
    const path = resolve(root, key);
    if (unsafe || relative(root, path).startsWith('..') || !path.startsWith(root + sep)) {
      throw new BadInputError(
        `invalid object key: ${JSON.stringify(key.slice(0, 200))}`,
        InputErrorCode.invalidEvent,
      );
    }
    return path;
  }

  return {
    name: 'local-folder',
    bucket: settings.bucket ?? 'local',

    async head(key: string, options?: CallOptions): Promise<BlobHead> {
      const path = pathOf(key);
      const size = (await statOrThrow(path, key)).size;
      options?.signal?.throwIfAborted();
      const extension = key.split('.').pop()?.toLowerCase() ?? '';
      const sidecarPath = pathOf(metadataSidecarKey(key));
      return {
        size,
        contentType: contentTypes[extension] ?? 'application/octet-stream',
        etag: `"${await md5Of([path, sidecarPath])}"`,
        metadata: await readSidecar(sidecarPath),
      };
    },

    async get(key: string, options: GetOptions): Promise<Uint8Array> {
      const path = pathOf(key);
      const { size } = await statOrThrow(path, key);
      if (size > options.maxBytes) {
        throw new BadInputError(
          `the object is ${size} bytes, over the limit of ${options.maxBytes}`,
          InputErrorCode.objectTooLarge,
        );
      }
      try {
        return await readFile(path, { signal: options.signal });
      } catch (error) {
        throw storageError(error, `cannot read ${key}`);
      }
    },

    async put(key: string, body: Uint8Array, options: PutOptions): Promise<void> {
      const path = pathOf(key);
      try {
        await makePrivateDirectory(dirname(path));
        // Write then rename, so a reader never sees half an object.
        const partial = `${path}.${randomUUID()}.partial`;
        await writeFile(partial, body, { signal: options.signal, mode: privateFileMode });
        await rename(partial, path);
        if (options.metadata && Object.keys(options.metadata).length > 0) {
          const sidecar = pathOf(metadataSidecarKey(key));
          await writeFile(sidecar, `${JSON.stringify(options.metadata, null, 2)}\n`, {
            mode: privateFileMode,
          });
          await keepPrivate(sidecar);
        }
      } catch (error) {
        throw storageError(error, `cannot write ${key}`);
      }
    },
  };
}

async function statOrThrow(path: string, key: string) {
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
    return stats;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BadInputError(`object not found: ${key}`, InputErrorCode.objectNotFound);
    }
    throw storageError(error, `cannot stat ${key}`);
  }
}

async function readSidecar(path: string): Promise<Record<string, unknown>> {
  let bytes: Buffer;
  try {
    // Sized first, like S3's capped read: a huge sidecar is refused without being read.
    if ((await stat(path)).size > maxMetadataSidecarBytes) throw metadataSidecarTooLarge();
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof BadInputError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw storageError(error, 'cannot read the metadata sidecar');
  }
  return parseMetadataSidecar(bytes);
}

/** MD5 over the files in order; a missing file (no sidecar) contributes nothing. */
async function md5Of(paths: string[]): Promise<string> {
  const hash = createHash('md5');
  for (const path of paths) {
    await new Promise<void>((resolvePromise, reject) => {
      createReadStream(path)
        .on('data', (chunk) => hash.update(chunk))
        .on('error', (error: NodeJS.ErrnoException) =>
          error.code === 'ENOENT' ? resolvePromise() : reject(error),
        )
        .on('end', resolvePromise);
    });
  }
  return hash.digest('hex');
}

function storageError(error: unknown, message: string): DependencyError {
  const code = (error as NodeJS.ErrnoException).code;
  // Permission and disk-full problems need an operator; other I/O errors may pass.
  const permanent = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC';
  return new DependencyError(`${message}: ${code ?? (error as Error).message}`, {
    code: ServiceErrorCode.storageError,
    retriable: !permanent,
    cause: error,
  });
}
