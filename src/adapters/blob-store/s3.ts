/**
 * BlobStore on Amazon S3, the production twin of the local folder. An object's metadata is its
 * `x-amz-meta-*` headers merged with the optional JSON sidecar object `<key>.meta.json` (for values
 * too long or not ASCII); the sidecar wins. Every call goes through `withRetry`, so the client is
 * created with the SDK's own retries off (`maxAttempts: 1`): one retry policy, counted once.
 *
 * Reads are version-exact (DESIGN.md section 1): given the event's version, HeadObject and
 * GetObject send its `VersionId` (versioned buckets) and `If-Match` on its ETag, and check what
 * came back, so a server that ignores either still cannot hand over newer bytes. An upload stored
 * with its sidecar (`put` with `sidecar`) names the sidecar's version in its own metadata, and
 * every read of the upload reads that sidecar version: a later upload's sidecar never pairs with
 * an earlier image.
 *
 * @example
 * const store = createS3BlobStore({ bucket: 'derm-uploads', region: 'eu-west-1' });
 * const head = await store.head('uploads/lesion.jpg', { signal, version: { etag: '"9b2c..."' } });
 * const bytes = await store.get('uploads/lesion.jpg', { maxBytes: 20_000_000, signal, version: head });
 */
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  type GetObjectCommandInput,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { BadInputError, DdxError, DependencyError, InputErrorCode, ServiceErrorCode } from '../../errors.js';
import type { BlobHead, BlobStore, GetOptions, ObjectVersion, PutOptions, ReadOptions } from '../../ports.js';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../../resilience/retry.js';
import {
  isMetadataSidecar,
  maxMetadataSidecarBytes,
  metadataSidecarKey,
  metadataSidecarTooLarge,
  parseMetadataSidecar,
} from '../../uploads/metadata-sidecar.js';
import {
  objectChanged,
  sameVersion,
  sidecarReference,
  sidecarReferenceMetadata,
  withoutSidecarReference,
} from '../../uploads/object-version.js';
import { awsError, s3Errors } from '../shared/aws/aws-errors.js';

export interface S3BlobStoreSettings {
  bucket: string;
  /** A configured client (custom endpoint, tests); by default one is created with SDK retries off. */
  client?: S3Client;
  region?: string;
  /** Path-style URLs, for S3-compatible servers (MinIO, s3rver) that have no bucket subdomains. */
  forcePathStyle?: boolean;
  policy?: RetryPolicy;
  /** Read `<key>.meta.json` on `head` (default true); off saves one GET per job. */
  readSidecar?: boolean;
}

interface ReadObject {
  bytes: Uint8Array;
  found: ObjectVersion;
}

export function createS3BlobStore(settings: S3BlobStoreSettings): BlobStore {
  const { bucket } = settings;
  const client =
    settings.client ??
    new S3Client({ region: settings.region, forcePathStyle: settings.forcePathStyle, maxAttempts: 1 });
  const readSidecar = settings.readSidecar ?? true;
  const call = retryingCall(settings.policy ?? defaultRetryPolicy);

  const readObject = (
    key: string,
    maxBytes: number,
    signal: AbortSignal | undefined,
    version: ObjectVersion | undefined,
  ): Promise<ReadObject> =>
    call('GetObject', key, signal, (abortSignal) =>
      getExactly(
        client,
        { Bucket: bucket, Key: key, ...conditionsFor(version) },
        version,
        maxBytes,
        abortSignal,
      ),
    );

  /** The sidecar as it is now; undefined when there is none (most uploads). */
  async function currentSidecar(key: string, signal?: AbortSignal): Promise<ReadObject | undefined> {
    try {
      return await readObject(metadataSidecarKey(key), maxMetadataSidecarBytes, signal, undefined);
    } catch (error) {
      if (error instanceof DdxError && error.code === InputErrorCode.objectNotFound) return undefined;
      throw sidecarError(error);
    }
  }

  function sidecarOf(
    key: string,
    reference: ObjectVersion | undefined,
    current: PromiseSettledResult<ReadObject | undefined>,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    return sidecarOfVersion(reference, current, () =>
      readObject(metadataSidecarKey(key), maxMetadataSidecarBytes, signal, reference),
    );
  }

  const putObject = (
    key: string,
    body: Uint8Array,
    contentType: string,
    metadata: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<ObjectVersion> =>
    call('PutObject', key, signal, (abortSignal) =>
      putExactly(
        client,
        {
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          Metadata: encodeHeaderMetadata(metadata),
        },
        abortSignal,
      ),
    );

  return {
    name: 's3',
    bucket,

    async head(key: string, options?: ReadOptions): Promise<BlobHead> {
      const signal = options?.signal;
      const version = options?.version;
      const wantsSidecar = readSidecar && !isMetadataSidecar(key);
      // The current sidecar is fetched alongside, not after: one round trip of latency instead of
      // two whenever it is still the one this version was stored with.
      const [headResult, sidecarResult] = await Promise.allSettled([
        call('HeadObject', key, signal, (abortSignal) =>
          headExactly(client, bucket, key, version, abortSignal),
        ),
        wantsSidecar ? currentSidecar(key, signal) : Promise.resolve(undefined),
      ]);
      // A missing (or changed) object is reported before anything its sidecar says.
      if (headResult.status === 'rejected') throw headResult.reason;
      const output = headResult.value;
      const userMetadata = decodeHeaderMetadata(output.Metadata ?? {});
      const sidecar = wantsSidecar
        ? await sidecarOf(key, sidecarReference(userMetadata), sidecarResult, signal)
        : {};
      return {
        size: output.ContentLength ?? 0,
        contentType: output.ContentType,
        etag: output.ETag,
        versionId: output.VersionId,
        metadata: { ...withoutSidecarReference(userMetadata), ...sidecar },
      };
    },

    async get(key: string, options: GetOptions): Promise<Uint8Array> {
      return (await readObject(key, options.maxBytes, options.signal, options.version)).bytes;
    },

    async put(key: string, body: Uint8Array, options: PutOptions): Promise<ObjectVersion> {
      const metadata = { ...options.metadata };
      if (options.sidecar) {
        // Sidecar first, then the upload naming it: whoever sees the upload finds its sidecar.
        const stored = await putObject(
          metadataSidecarKey(key),
          options.sidecar,
          'application/json',
          {},
          options.signal,
        );
        Object.assign(metadata, sidecarReferenceMetadata(stored));
      }
      return putObject(key, body, options.contentType, metadata, options.signal);
    },
  };
}

/** HeadObject/GetObject parameters that select exactly `version`. */
function conditionsFor(version: ObjectVersion | undefined): { VersionId?: string; IfMatch?: string } {
  return {
    ...(version?.versionId ? { VersionId: version.versionId } : {}),
    ...(version?.etag ? { IfMatch: version.etag } : {}),
  };
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function sidecarError(error: unknown): unknown {
  return error instanceof DdxError && error.code === InputErrorCode.objectTooLarge
    ? metadataSidecarTooLarge()
    : error;
}

function destroyBody(body: unknown): void {
  if (body instanceof Readable) body.destroy();
}

/**
 * Reads a GetObject body without ever holding more than `maxBytes`: the declared length is checked
 * before the first byte is read, and the bytes actually received are counted in case it is absent.
 */
async function readCappedBody(
  body: unknown,
  declaredLength: number | undefined,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  if (body === undefined) return new Uint8Array(0);
  if (!(body instanceof Readable)) {
    throw new DependencyError('S3 GetObject returned a body that is not a Node stream', {
      code: ServiceErrorCode.storageError,
      retriable: false,
    });
  }
  if (declaredLength !== undefined && declaredLength > maxBytes) {
    body.destroy();
    throw objectTooLarge(`the object is ${declaredLength} bytes, over the limit of ${maxBytes}`);
  }
  const abort = () => body.destroy(signal.reason instanceof Error ? signal.reason : undefined);
  signal.addEventListener('abort', abort, { once: true });
  try {
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of body) {
      const buffer: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      received += buffer.length;
      if (received > maxBytes) {
        body.destroy();
        throw objectTooLarge(`the object is over the limit of ${maxBytes} bytes`);
      }
      chunks.push(buffer);
    }
    return Buffer.concat(chunks, received);
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

function objectTooLarge(message: string): BadInputError {
  return new BadInputError(message, InputErrorCode.objectTooLarge);
}

// ---------------------------------------------------------------------------------------------
// User metadata travels in HTTP headers, which must be ASCII. S3 stores non-ASCII values sent as
// RFC 2047 encoded words and returns such values encoded the same way.

const printableAscii = /^[\x20-\x7e]*$/;
const encodedWord = /=\?([^?]+)\?([bq])\?([^?]*)\?=/gi;

function encodeHeaderMetadata(metadata: Record<string, string>): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (!/^[a-z0-9-]+$/i.test(name)) {
      throw new BadInputError(
        `metadata name ${JSON.stringify(name)} is not a header token`,
        InputErrorCode.invalidMetadata,
      );
    }
    encoded[name] = printableAscii.test(value)
      ? value
      : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
  }
  return encoded;
}

function decodeHeaderMetadata(metadata: Record<string, string>): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) decoded[name] = decodeEncodedWords(value);
  return decoded;
}

function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  // Whitespace between two adjacent encoded words is folding, not content (RFC 2047 section 6.2).
  const unfolded = value.replace(/\?=\s+=\?/g, '?==?');
  return unfolded.replace(encodedWord, (word, charset: string, encoding: string, text: string) => {
    const bytes =
      encoding.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
            'latin1',
          );
    try {
      return new TextDecoder(charset, { fatal: true }).decode(bytes);
    } catch {
      return word;
    }
  });
}

/**
 * The sidecar stored with this version of the upload. The current sidecar, read alongside the
 * head, is it unless a later upload replaced it; then the named version is read (versioned
 * buckets), or the upload has changed since its event (unversioned: the old sidecar is gone).
 */
async function sidecarOfVersion(
  reference: ObjectVersion | undefined,
  current: PromiseSettledResult<ReadObject | undefined>,
  readReferenced: () => Promise<ReadObject>,
): Promise<Record<string, unknown>> {
  if (reference === undefined) {
    // Stored without a reference (another uploader): the current sidecar is all there is.
    if (current.status === 'rejected') throw current.reason;
    return current.value ? parseMetadataSidecar(current.value.bytes) : {};
  }
  if (current.status === 'fulfilled' && current.value && sameVersion(reference, current.value.found)) {
    return parseMetadataSidecar(current.value.bytes);
  }
  try {
    return parseMetadataSidecar((await readReferenced()).bytes);
  } catch (error) {
    // The sidecar this version was stored with was deleted or written over.
    if (error instanceof DdxError && error.code === InputErrorCode.objectNotFound) throw objectChanged(error);
    throw sidecarError(error);
  }
}

/** HeadObject of exactly `version`: an answer about any other version is OBJECT_CHANGED. */
async function headExactly(
  client: S3Client,
  bucket: string,
  key: string,
  version: ObjectVersion | undefined,
  abortSignal: AbortSignal,
) {
  const output = await client.send(
    new HeadObjectCommand({ Bucket: bucket, Key: key, ...conditionsFor(version) }),
    {
      abortSignal,
    },
  );
  if (!sameVersion(version, { versionId: output.VersionId, etag: output.ETag })) throw objectChanged();
  return output;
}

/** PutObject, answering the version it stored. */
async function putExactly(
  client: S3Client,
  input: PutObjectCommandInput,
  abortSignal: AbortSignal,
): Promise<ObjectVersion> {
  const output = await client.send(new PutObjectCommand(input), { abortSignal });
  return { versionId: output.VersionId, etag: output.ETag };
}

/** GetObject of exactly `version`, at most `maxBytes`: any other version is OBJECT_CHANGED. */
async function getExactly(
  client: S3Client,
  input: GetObjectCommandInput,
  version: ObjectVersion | undefined,
  maxBytes: number,
  abortSignal: AbortSignal,
): Promise<ReadObject> {
  const output = await client.send(new GetObjectCommand(input), { abortSignal });
  const found = { versionId: output.VersionId, etag: output.ETag };
  if (!sameVersion(version, found)) {
    destroyBody(output.Body);
    throw objectChanged();
  }
  return { bytes: await readCappedBody(output.Body, output.ContentLength, maxBytes, abortSignal), found };
}

/** One S3 operation with the retry policy; a 412 (If-Match failed) is OBJECT_CHANGED. */
function retryingCall(policy: RetryPolicy) {
  return <T>(
    operation: string,
    key: string,
    signal: AbortSignal | undefined,
    attempt: (abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> =>
    withRetry(attempt, {
      policy,
      signal,
      operation: `S3 ${operation}`,
      toError: (error) =>
        // 412: If-Match failed, the object was written over since its event.
        statusOf(error) === 412 ? objectChanged(error) : awsError(s3Errors, error, `S3 ${operation}`, key),
    });
}
