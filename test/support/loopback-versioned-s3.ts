/**
 * A loopback S3 of our own for what s3rver 3.7 does not do: bucket versioning and conditional
 * reads. s3rver ignores `versionId` and `If-Match` and keeps one version per key, so it cannot show
 * a late event reading its own version. This server speaks S3's wire contract for the calls the
 * blob store makes (path-style PutObject, HeadObject, GetObject) and nothing more:
 *
 * - PutObject keeps every version; the answer carries `ETag` (quoted MD5) and, when versioned,
 *   `x-amz-version-id`. User metadata is `x-amz-meta-*`.
 * - HeadObject and GetObject take `?versionId=` and `If-Match`; a failed `If-Match` is
 *   `412 PreconditionFailed`, an unknown key `404 NoSuchKey`, an unknown version `404 NoSuchVersion`
 *   (GET bodies are S3's XML error documents; HEAD answers carry no body, as S3's do).
 * - Anything else is `501 NotImplemented`, so a test can never pass on a call it did not model.
 *
 * Signatures are not checked: the SDK signs, this server does not care (s3rver checks them).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createS3rverClient } from './s3rver.js';

interface StoredVersion {
  versionId: string | undefined;
  etag: string;
  body: Buffer;
  contentType: string;
  metadata: Record<string, string>;
  lastModified: Date;
}

export interface SeenS3Request {
  method: string;
  key: string;
  versionId: string | null;
  ifMatch: string | undefined;
  status: number;
}

export interface LoopbackVersionedS3 {
  endpoint: string;
  bucket: string;
  client: ReturnType<typeof createS3rverClient>;
  seen: SeenS3Request[];
  close(): Promise<void>;
}

export async function startLoopbackVersionedS3(options: {
  versioned: boolean;
  bucket?: string;
}): Promise<LoopbackVersionedS3> {
  const bucket = options.bucket ?? 'ddx-versioned-bucket';
  const objects = new Map<string, StoredVersion[]>();
  const seen: SeenS3Request[] = [];

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) respondError(response, request.method ?? 'GET', 500, 'InternalError');
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const [, bucketName, ...keyParts] = url.pathname.split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    const method = request.method ?? 'GET';
    const versionId = url.searchParams.get('versionId');
    const ifMatch = request.headers['if-match'];
    const record = (status: number) => seen.push({ method, key, versionId, ifMatch, status });
    const body = await readAll(request);
    if (bucketName !== bucket || key === '') {
      record(bucketName !== bucket ? 404 : 501);
      return respondError(response, method, bucketName !== bucket ? 404 : 501, 'NoSuchBucket');
    }
    if (method === 'PUT') {
      const metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name] = value;
      }
      const version: StoredVersion = {
        versionId: options.versioned ? randomUUID().replace(/-/g, '') : undefined,
        etag: `"${createHash('md5').update(body).digest('hex')}"`,
        body,
        contentType: request.headers['content-type'] ?? 'binary/octet-stream',
        metadata,
        lastModified: new Date(),
      };
      const versions = options.versioned ? (objects.get(key) ?? []) : [];
      versions.push(version);
      objects.set(key, versions);
      record(200);
      response.writeHead(200, {
        etag: version.etag,
        ...(version.versionId ? { 'x-amz-version-id': version.versionId } : {}),
      });
      return void response.end();
    }
    if (method !== 'GET' && method !== 'HEAD') {
      record(501);
      return respondError(response, method, 501, 'NotImplemented');
    }
    const versions = objects.get(key);
    if (!versions || versions.length === 0) {
      record(404);
      return respondError(response, method, 404, 'NoSuchKey');
    }
    const version = versionId === null ? versions.at(-1) : versions.find((v) => v.versionId === versionId);
    if (!version) {
      record(404);
      return respondError(response, method, 404, 'NoSuchVersion');
    }
    if (ifMatch !== undefined && ifMatch !== '*' && unquoted(ifMatch) !== unquoted(version.etag)) {
      record(412);
      return respondError(response, method, 412, 'PreconditionFailed');
    }
    record(200);
    response.writeHead(200, {
      etag: version.etag,
      'content-type': version.contentType,
      'content-length': String(version.body.length),
      'last-modified': version.lastModified.toUTCString(),
      ...(version.versionId ? { 'x-amz-version-id': version.versionId } : {}),
      ...version.metadata,
    });
    response.end(method === 'HEAD' ? undefined : version.body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createS3rverClient(endpoint);
  return {
    endpoint,
    bucket,
    client,
    seen,
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function unquoted(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

function respondError(response: ServerResponse, method: string, status: number, code: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code}</Message><RequestId>loopback</RequestId></Error>`;
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(method === 'HEAD' ? undefined : xml);
}

async function readAll(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
