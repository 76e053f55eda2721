/**
 * Reads a request body under a byte limit: a declared `Content-Length` over it is refused before
 * a byte is read; a body that runs over without saying so is cut off while it streams (the shared
 * reader, which keeps nothing past the limit). Refusals come in the API's error shape.
 */
import type { IncomingMessage } from 'node:http';
import { InputErrorCode } from '../errors.js';
import { RequestProblem, readBody } from '../http/read-body.js';
import { HttpError, RequestErrorCode } from './http-error.js';

export async function readRequestBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw bodyTooLarge(maxBytes, declared);
  try {
    return await readBody(request, maxBytes);
  } catch (error) {
    if (!(error instanceof RequestProblem)) throw error;
    if (error.status === 413) throw bodyTooLarge(maxBytes);
    throw new HttpError(error.status, RequestErrorCode.invalidRequest, error.message);
  }
}

function bodyTooLarge(maxBytes: number, declared?: number): HttpError {
  const size = declared === undefined ? 'the body is' : `the body is ${declared} bytes,`;
  return new HttpError(413, InputErrorCode.objectTooLarge, `${size} over the limit of ${maxBytes} bytes`);
}

/** `image/jpeg` from `image/jpeg; charset=binary`, lower-cased; '' when absent. */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
