/**
 * An in-memory BlobStore for pipeline tests. It passes the same contract suite as the real
 * adapters (test/contract), so pipeline tests built on it test real behaviour.
 */
import { createHash } from 'node:crypto';
import { BadInputError, InputErrorCode } from '../../src/errors.js';
import type { BlobHead, BlobStore, GetOptions, PutOptions } from '../../src/ports.js';
import { metadataSidecarKey, parseMetadataSidecar } from '../../src/uploads/metadata-sidecar.js';

export interface InMemoryBlobStore extends BlobStore {
  objects: Map<string, { body: Uint8Array; metadata: Record<string, string>; contentType: string }>;
}

export function createInMemoryBlobStore(bucket = 'memory'): InMemoryBlobStore {
  const objects: InMemoryBlobStore['objects'] = new Map();
  const find = (key: string) => {
    const object = objects.get(key);
    if (!object) throw new BadInputError(`object not found: ${key}`, InputErrorCode.objectNotFound);
    return object;
  };
  return {
    name: 'in-memory',
    bucket,
    objects,
    async head(key): Promise<BlobHead> {
      const object = find(key);
      const sidecar = objects.get(metadataSidecarKey(key));
      const hash = createHash('md5').update(object.body);
      if (sidecar) hash.update(sidecar.body);
      const metadata = { ...object.metadata, ...(sidecar ? parseMetadataSidecar(sidecar.body) : {}) };
      return {
        size: object.body.length,
        contentType: object.contentType,
        etag: `"${hash.digest('hex')}"`,
        metadata,
      };
    },
    async get(key, options: GetOptions) {
      const object = find(key);
      if (object.body.length > options.maxBytes) {
        throw new BadInputError(
          `the object is ${object.body.length} bytes, over the limit`,
          InputErrorCode.objectTooLarge,
        );
      }
      return object.body;
    },
    async put(key, body, options: PutOptions) {
      objects.set(key, {
        body: Uint8Array.from(body),
        metadata: { ...options.metadata },
        contentType: options.contentType,
      });
    },
  };
}
