/**
 * A JSON request body checked against its zod schema at the boundary: 415 unless it is sent as
 * `application/json`, 400 INVALID_REQUEST when it is not JSON or not the schema's shape. Messages
 * carry paths and zod's messages only, which name fields and types, never the values.
 */
import type { z } from 'zod';
import { HttpError, RequestErrorCode } from './http-error.js';
import { mediaTypeOf } from './media-type.js';

export function parseJsonBody<Schema extends z.ZodType>(
  contentType: string | null | undefined,
  body: Uint8Array,
  schema: Schema,
  /** What the body must be, for the message: `{ "key": string }`. */
  shape: string,
): z.infer<Schema> {
  if (mediaTypeOf(contentType) !== 'application/json') {
    throw new HttpError(415, RequestErrorCode.unsupportedMediaType, 'send a JSON body (application/json)');
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new HttpError(400, RequestErrorCode.invalidRequest, 'the body is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    );
    throw new HttpError(
      400,
      RequestErrorCode.invalidRequest,
      `the body must be ${shape}: ${problems.join('; ')}`,
    );
  }
  return parsed.data;
}
