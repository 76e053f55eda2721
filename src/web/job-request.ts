/**
 * `POST /v1/jobs`: `{ "key": "uploads/a.jpg" }`, the pipeline for an object already in the blob
 * store. zod at the boundary; unknown fields are refused so a misspelt field is not ignored.
 */
import { z } from 'zod';
import type { KeyScope } from '../uploads/key-scope.js';
import { parseJsonBody } from './json-body.js';
import { checkedObjectKey } from './object-key.js';

/** A key is at most 1 KiB: anything much larger is not a job request. */
export const maxJobRequestBytes = 16 * 1024;

const jobRequestSchema = z.strictObject({ key: z.string() });

export function parseJobRequest(
  contentType: string | null | undefined,
  body: Uint8Array,
  scope: KeyScope,
): string {
  const { key } = parseJsonBody(contentType, body, jobRequestSchema, '{ "key": string }');
  return checkedObjectKey(key, scope);
}
