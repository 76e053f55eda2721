/**
 * The request id of an HTTP request: the caller's `x-request-id` when it is a plain token (so a
 * gateway's id follows the request into the record and the logs), otherwise a new UUID. Anything
 * else is replaced, never echoed: a header can carry text meant to forge log lines.
 */
import { randomUUID } from 'node:crypto';

const saneRequestId = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function requestIdFor(header: string | null | undefined): string {
  return typeof header === 'string' && saneRequestId.test(header) ? header : randomUUID();
}
