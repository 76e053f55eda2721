/**
 * An in-memory BlobStore for pipeline tests. It passes the same contract suite as the real
 * adapters (test/contract), so pipeline tests built on it test real behaviour: every version is
 * kept and named by its ETag, and a read of a version that is not there is OBJECT_CHANGED.
 */
import { createHash } from 'node:crypto';
import { BadInputError, InputErrorCode } from '../../src/errors.js';
import type {
  BlobHead,
  BlobStore,
  GetOptions,
  ObjectVersion,
  PutOptions,
  ReadOptions,
} from '../../src/ports.js';
import { metadataSidecarKey, parseMetadataSidecar } from '../../src/uploads/metadata-sidecar.js';
import { bareEtag, objectChanged } from '../../src/uploads/object-version.js';

interface StoredObject {
  body: Uint8Array;
  metadata: Record<string, string>;
  contentType: string;
  sidecar?: Uint8Array;
  etag: string;
}

export interface InMemoryBlobStore extends BlobStore {
  /** The current version of each key. */
  objects: Map<string, StoredObject>;
}

export function createInMemoryBlobStore(bucket = 'memory'): InMemoryBlobStore {
  const objects: InMemoryBlobStore['objects'] = new Map();
  const versions = new Map<string, StoredObject>();
  const find = (key: string, version: ObjectVersion | undefined): StoredObject => {
    const current = objects.get(key);
    if (!current) throw new BadInputError(`object not found: ${key}`, InputErrorCode.objectNotFound);
    if (version?.etag === undefined) return current;
    const exact = versions.get(`${key}\n${bareEtag(version.etag)}`);
    if (!exact) throw objectChanged();
    return exact;
  };
  return {
    name: 'in-memory',
    bucket,
    objects,
    async head(key, options?: ReadOptions): Promise<BlobHead> {
      const object = find(key, options?.version);
      const separate = objects.get(metadataSidecarKey(key))?.body;
      const sidecar = object.sidecar ?? separate;
      return {
        size: object.body.length,
        contentType: object.contentType,
        etag: `"${object.etag}"`,
        metadata: { ...object.metadata, ...(sidecar ? parseMetadataSidecar(sidecar) : {}) },
      };
    },
    async get(key, options: GetOptions) {
      const object = find(key, options.version);
      if (object.body.length > options.maxBytes) {
        throw new BadInputError(
          `the object is ${object.body.length} bytes, over the limit`,
          InputErrorCode.objectTooLarge,
        );
      }
      return object.body;
    },
    async put(key, body, options: PutOptions) {
      const hash = createHash('md5').update(body);
      if (options.sidecar) hash.update(options.sidecar);
      const object: StoredObject = {
        body: Uint8Array.from(body),
        metadata: { ...options.metadata },
        contentType: options.contentType,
        sidecar: options.sidecar ? Uint8Array.from(options.sidecar) : undefined,
        etag: hash.digest('hex'),
      };
      objects.set(key, object);
      versions.set(`${key}\n${object.etag}`, object);
      return { etag: `"${object.etag}"` };
    },
  };
}
