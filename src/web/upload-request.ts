/**
 * `POST /v1/uploads`: what the request says about the upload, checked before its body is read.
 *
 * - body: the image bytes, `Content-Type: image/*` (or `application/dicom`,
 *   `application/octet-stream`: the pipeline sniffs the real format either way);
 * - `x-ddx-metadata`: the clinical metadata as one line of JSON (UTF-8; `\u` escapes work
 *   everywhere), stored unchecked as the upload's sidecar so bad metadata ends as a `failed`
 *   record, exactly as with the CLI and S3 uploads; `{}` when absent;
 * - `?key=`: the object key, under the input prefix; a new `<prefix>http/<uuid>.<ext>` otherwise.
 */
import { randomUUID } from 'node:crypto';
import { type KeyScope, uploadKeyFor } from '../uploads/key-scope.js';
import { HttpError, RequestErrorCode } from './http-error.js';
import { mediaTypeOf } from './media-type.js';
import { checkedObjectKey } from './object-key.js';

export const metadataHeader = 'x-ddx-metadata';

export interface UploadRequest {
  key: string;
  contentType: string;
  metadata: Buffer | undefined;
}

const extensions: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/tiff': 'tiff',
  'image/avif': 'avif',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'application/dicom': 'dcm',
};

/** The key of a new upload named by the server: `<prefix>http/<uuid>.<ext>`. */
export function newUploadKey(scope: KeyScope, contentType: string): string {
  return uploadKeyFor(scope.inputPrefix, `http/${randomUUID()}.${extensions[contentType] ?? 'bin'}`);
}

export function parseUploadRequest(headers: Headers, query: URLSearchParams, scope: KeyScope): UploadRequest {
  const contentType = mediaTypeOf(headers.get('content-type'));
  if (
    !contentType.startsWith('image/') &&
    contentType !== 'application/dicom' &&
    contentType !== 'application/octet-stream'
  ) {
    throw new HttpError(
      415,
      RequestErrorCode.unsupportedMediaType,
      'send the image bytes as the body with Content-Type image/* (or application/dicom, application/octet-stream)',
    );
  }
  for (const name of query.keys()) {
    if (name !== 'key') throw new HttpError(400, RequestErrorCode.invalidRequest, 'the query takes key only');
  }
  const keys = query.getAll('key');
  if (keys.length > 1) throw new HttpError(400, RequestErrorCode.invalidRequest, 'give at most one key');
  const key = keys[0] === undefined ? newUploadKey(scope, contentType) : checkedObjectKey(keys[0], scope);

  const metadata = headers.get(metadataHeader);
  return {
    key,
    contentType,
    // node:http reads header bytes as Latin-1: back to the bytes sent, which the sidecar reads as UTF-8.
    metadata: metadata === null ? undefined : Buffer.from(metadata, 'latin1'),
  };
}
