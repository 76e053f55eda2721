/**
 * BlobStore on Amazon S3, the production twin of the local folder. An object's metadata is its
 * `x-amz-meta-*` headers merged with the optional JSON sidecar object `<key>.meta.json` (for values
 * too long or not ASCII); the sidecar wins. Every call goes through `withRetry`, so the client is
 * created with the SDK's own retries off (`maxAttempts: 1`): one retry policy, counted once.
 *
 * @example
 * const store = createS3BlobStore({ bucket: 'derm-uploads', region: 'eu-west-1' });
 * const head = await store.head('uploads/lesion.jpg', { signal });
 * const bytes = await store.get('uploads/lesion.jpg', { maxBytes: 20_000_000, signal });
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BadInputError, DdxError, DependencyError, InputErrorCode, ServiceErrorCode } from '../../errors.js';
import type { BlobHead, BlobStore, CallOptions, GetOptions, PutOptions } from '../../ports.js';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../../resilience/retry.js';
import {
  isMetadataSidecar,
  maxMetadataSidecarBytes,
  metadataSidecarKey,
  metadataSidecarTooLarge,
  parseMetadataSidecar,
} from '../../uploads/metadata-sidecar.js';
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

export function createS3BlobStore(settings: S3BlobStoreSettings): BlobStore {
  const { bucket } = settings;
  const client =
    settings.client ??
    new S3Client({ region: settings.region, forcePathStyle: settings.forcePathStyle, maxAttempts: 1 });
  const policy = settings.policy ?? defaultRetryPolicy;
  const readSidecar = settings.readSidecar ?? true;

  const call = <T>(
    operation: string,
    key: string,
    signal: AbortSignal | undefined,
    attempt: (abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> =>
    withRetry(attempt, {
      policy,
      signal,
      operation: `S3 ${operation}`,
      toError: (error) => awsError(s3Errors, error, `S3 ${operation}`, key),
    });

  const readObject = (key: string, maxBytes: number, signal?: AbortSignal): Promise<Uint8Array> =>
    call('GetObject', key, signal, async (abortSignal) => {
      const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
      return readCappedBody(output.Body, output.ContentLength, maxBytes, abortSignal);
    });

  async function sidecarMetadata(key: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    let bytes: Uint8Array;
    try {
      bytes = await readObject(metadataSidecarKey(key), maxMetadataSidecarBytes, signal);
    } catch (error) {
      // Most uploads have no sidecar.
      if (error instanceof DdxError && error.code === InputErrorCode.objectNotFound) return {};
      if (error instanceof DdxError && error.code === InputErrorCode.objectTooLarge) {
        throw metadataSidecarTooLarge();
      }
      throw error;
    }
    return parseMetadataSidecar(bytes);
  }

  return {
    name: 's3',
    bucket,

    async head(key: string, options?: CallOptions): Promise<BlobHead> {
      const signal = options?.signal;
      // The sidecar is fetched alongside, not after: one round trip of latency instead of two.
      const [headResult, sidecarResult] = await Promise.allSettled([
        call('HeadObject', key, signal, (abortSignal) =>
          client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }),
        ),
        readSidecar && !isMetadataSidecar(key) ? sidecarMetadata(key, signal) : Promise.resolve({}),
      ]);
      // A missing object is reported before anything its sidecar says.
      if (headResult.status === 'rejected') throw headResult.reason;
      if (sidecarResult.status === 'rejected') throw sidecarResult.reason;
      const output = headResult.value;
      return {
        size: output.ContentLength ?? 0,
        contentType: output.ContentType,
        etag: output.ETag,
        versionId: output.VersionId,
        metadata: { ...decodeHeaderMetadata(output.Metadata ?? {}), ...sidecarResult.value },
      };
    },

    get(key: string, options: GetOptions): Promise<Uint8Array> {
      return readObject(key, options.maxBytes, options.signal);
    },

    async put(key: string, body: Uint8Array, options: PutOptions): Promise<void> {
      const metadata = encodeHeaderMetadata(options.metadata ?? {});
      await call('PutObject', key, options.signal, (abortSignal) =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: options.contentType,
            Metadata: metadata,
          }),
          { abortSignal },
        ),
      );
    },
  };
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
