/**
 * BlobStore on a local folder: the embedded twin of S3. Each stored version of an object is a
 * folder of its own, written whole and then renamed into place, so a reader sees all of a version
 * or none of it:
 *
 * ```
 * <root>/.objects/<sha256 of the key>/
 *   <etag>/object        the bytes
 *   <etag>/sidecar.json  the upload's metadata sidecar, when it was stored with one (put `sidecar`)
 *   <etag>/object.json   the key, content type and user metadata
 *   current              the ETag of the newest version (replaced by rename)
 * ```
 *
 * Versions are named by content (the ETag is the MD5 of the bytes, and of the sidecar stored with
 * them), like an S3 ETag: the same upload twice is one version with one record, and uploads that
 * differ in image or metadata are versions of their own, even when they race for one key. A read
 * given a version's ETag reads that version folder; the newer version never answers for it.
 *
 * An object's user metadata is the sidecar stored with it; an object stored without one takes the
 * current version of the separate object `<key>.meta.json`, as on S3. Files laid out the older
 * way (`<root>/<key>` and `<root>/<key>.meta.json` beside it) are still read, by path.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { BadInputError, DdxError, DependencyError, InputErrorCode, ServiceErrorCode } from '../../errors.js';
import type { BlobHead, BlobStore, GetOptions, ObjectVersion, PutOptions, ReadOptions } from '../../ports.js';
import {
  maxMetadataSidecarBytes,
  metadataSidecarKey,
  metadataSidecarTooLarge,
  parseMetadataSidecar,
} from '../../uploads/metadata-sidecar.js';
import { bareEtag, objectChanged } from '../../uploads/object-version.js';
import { makePrivateDirectory, privateDirectoryMode, privateFileMode } from '../shared/fs/private-files.js';

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

const objectsFolder = '.objects';
const etagPattern = /^[0-9a-f]{32}$/;
/** Stored data is the clinic's: readable by the service's user only. */
const fileMode = privateFileMode;
const folderMode = privateDirectoryMode;

/** Where one version lives: a version folder, or an object laid out the older way. */
type Located =
  | { kind: 'version'; folder: string; etag: string }
  | { kind: 'plain'; path: string; sidecarPath: string };

interface VersionDescription {
  contentType: string;
  metadata: Record<string, string>;
}

export function createLocalFolderBlobStore(settings: LocalFolderBlobStoreSettings): BlobStore {
  const root = resolve(settings.root);

  const locate = (key: string, version: ObjectVersion | undefined) => locateIn(root, key, version);

  /** The metadata of an object stored without a sidecar: the current separate sidecar object's. */
  async function separateSidecar(key: string): Promise<Record<string, unknown>> {
    let located: Located;
    try {
      located = await locate(metadataSidecarKey(key), undefined);
    } catch (error) {
      if (error instanceof DdxError && error.code === InputErrorCode.objectNotFound) return {};
      throw error;
    }
    return readSidecar(located.kind === 'version' ? join(located.folder, 'object') : located.path);
  }

  return {
    name: 'local-folder',
    bucket: settings.bucket ?? 'local',

    async head(key: string, options?: ReadOptions): Promise<BlobHead> {
      const located = await locate(key, options?.version);
      options?.signal?.throwIfAborted();
      if (located.kind === 'plain') {
        const extension = key.split('.').pop()?.toLowerCase() ?? '';
        return {
          size: (await statOrThrow(located.path, key)).size,
          contentType: contentTypes[extension] ?? 'application/octet-stream',
          etag: `"${await md5Of([located.path, located.sidecarPath])}"`,
          metadata: await readSidecar(located.sidecarPath),
        };
      }
      const description = await readDescription(located.folder);
      const sidecarPath = join(located.folder, 'sidecar.json');
      const sidecar = (await isFile(sidecarPath))
        ? await readSidecar(sidecarPath)
        : await separateSidecar(key);
      return {
        size: (await statOrThrow(join(located.folder, 'object'), key)).size,
        contentType: description.contentType,
        etag: `"${located.etag}"`,
        metadata: { ...description.metadata, ...sidecar },
      };
    },

    async get(key: string, options: GetOptions): Promise<Uint8Array> {
      const located = await locate(key, options.version);
      const path = located.kind === 'plain' ? located.path : join(located.folder, 'object');
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

    async put(key: string, body: Uint8Array, options: PutOptions): Promise<ObjectVersion> {
      const versions = versionsIn(root, key);
      const etag = versionEtag(body, options.sidecar);
      try {
        await makePrivateDirectory(versions);
        const target = join(versions, etag);
        if (!(await isFile(join(target, 'object')))) {
          // The version is written whole in a folder of its own, then renamed into place.
          const partial = join(versions, `.partial-${randomUUID()}`);
          await mkdir(partial, { mode: folderMode });
          await writeFile(join(partial, 'object'), body, { mode: fileMode, signal: options.signal });
          if (options.sidecar) {
            await writeFile(join(partial, 'sidecar.json'), options.sidecar, { mode: fileMode });
          }
          const description = { key, contentType: options.contentType, metadata: options.metadata ?? {} };
          await writeFile(join(partial, 'object.json'), `${JSON.stringify(description, null, 2)}\n`, {
            mode: fileMode,
          });
          await rename(partial, target).catch(async (error: NodeJS.ErrnoException) => {
            // A concurrent upload of the same content got there first: the version is the same.
            await rm(partial, { recursive: true, force: true });
            if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
          });
        }
        const pointer = join(versions, `.current-${randomUUID()}`);
        await writeFile(pointer, etag, { mode: fileMode });
        await rename(pointer, join(versions, 'current'));
      } catch (error) {
        throw storageError(error, `cannot write ${key}`);
      }
      return { etag: `"${etag}"` };
    },
  };
}

/** MD5 of the bytes, as S3's ETag; with a sidecar, of both digests, so the pair names the version. */
function versionEtag(body: Uint8Array, sidecar: Uint8Array | undefined): string {
  const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest();
  if (!sidecar) return md5(body).toString('hex');
  return createHash('md5').update(md5(body)).update(md5(sidecar)).digest('hex');
}

async function readCurrent(versions: string): Promise<string | undefined> {
  try {
    const etag = (await readFile(join(versions, 'current'), 'utf8')).trim();
    return etagPattern.test(etag) ? etag : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storageError(error, 'cannot read the current version');
  }
}

async function readDescription(folder: string): Promise<VersionDescription> {
  try {
    const parsed = JSON.parse(
      await readFile(join(folder, 'object.json'), 'utf8'),
    ) as Partial<VersionDescription>;
    return { contentType: parsed.contentType ?? 'application/octet-stream', metadata: parsed.metadata ?? {} };
  } catch (error) {
    throw storageError(error, 'cannot read the object description');
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
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

/** Maps a key to its plain path inside the root; keys that could escape it are refused. */
function safePathIn(root: string, key: string): string {
  const segments = key.split('/');
  const unsafe =
    key.length === 0 ||
    Buffer.byteLength(key) > 1024 ||
    key.includes('\0') ||
    key.includes('\\') ||
    key.startsWith('/') ||
    segments[0] === objectsFolder ||
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

/** The folder of a key's versions: named by a digest, so no key can collide with another's. */
function versionsIn(root: string, key: string): string {
  safePathIn(root, key);
  return join(root, objectsFolder, createHash('sha256').update(key).digest('hex'));
}

/** The version to read: the one asked for (by ETag), or the newest. */
async function locateIn(root: string, key: string, version: ObjectVersion | undefined): Promise<Located> {
  const versions = versionsIn(root, key);
  const wanted = version?.etag === undefined ? undefined : bareEtag(version.etag);
  if (wanted !== undefined && etagPattern.test(wanted) && (await isFile(join(versions, wanted, 'object')))) {
    return { kind: 'version', folder: join(versions, wanted), etag: wanted };
  }
  const current = await readCurrent(versions);
  if (current !== undefined) {
    // Versions are never removed: a key that has versions but not this one was never stored
    // as this version, so the one the event named is not there to be read.
    if (wanted !== undefined && wanted !== current) throw objectChanged();
    return { kind: 'version', folder: join(versions, current), etag: current };
  }
  const path = safePathIn(root, key);
  await statOrThrow(path, key);
  const plain: Located = { kind: 'plain', path, sidecarPath: safePathIn(root, metadataSidecarKey(key)) };
  if (wanted !== undefined && wanted !== (await md5Of([plain.path, plain.sidecarPath])))
    throw objectChanged();
  return plain;
}
