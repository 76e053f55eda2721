/**
 * `POST /v1/jobs`: `{ "key": "uploads/a.jpg" }`, the pipeline for an object already in the blob
 * store. zod at the boundary; unknown fields are refused so a misspelt field is not ignored.
 */
import { z } from 'zod';
import type { KeyScope } from '../uploads/key-scope.js';
import { HttpError, RequestErrorCode } from './http-error.js';
import { mediaTypeOf } from './media-type.js';
import { checkedObjectKey } from './object-key.js';

/** A key is at most 1 KiB: anything much larger is not a job request. */
export const maxJobRequestBytes = 16 * 1024;

const jobRequestSchema = z.strictObject({ key: z.string() });

export function parseJobRequest(
  contentType: string | null | undefined,
  body: Uint8Array,
  scope: KeyScope,
): string {
  if (mediaTypeOf(contentType) !== 'application/json') {
    throw new HttpError(415, RequestErrorCode.unsupportedMediaType, 'send a JSON body (application/json)');
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new HttpError(400, RequestErrorCode.invalidRequest, 'the body is not valid JSON');
  }
  const parsed = jobRequestSchema.safeParse(json);
  if (!parsed.success) {
    // Paths and messages only: zod's messages name fields and types, never the values.
    const problems = parsed.error.issues.map((issue) =>
      issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    );
    throw new HttpError(
      400,
      RequestErrorCode.invalidRequest,
      `the body must be { "key": string }: ${problems.join('; ')}`,
    );
  }
  return checkedObjectKey(parsed.data.key, scope);
}
