/**
 * Every error answer of the web app, in the API's one error shape `{ error: { code, step,
 * message, retriable } }`: the app's onError and its not-found handler both end here.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { DdxError } from '../errors.js';
import type { Logger } from '../ports.js';
import { HttpError, RequestErrorCode } from './http-error.js';
import { type Reply, replyForThrownError } from './inference-reply.js';
import type { WebEnv } from './web-env.js';

export function sendReply(c: Context<WebEnv>, reply: Reply): Response {
  for (const [name, value] of Object.entries(reply.headers)) c.header(name, value);
  // A body left unread (refused early, or cut off) cannot be followed by another request.
  const incoming = c.env?.incoming;
  if (incoming && !incoming.complete && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    c.header('connection', 'close');
  }
  return c.json(reply.body, reply.status as 200);
}

/** The reply for an error thrown while handling a request, before or around a job. */
export function replyForError(error: unknown, logger: Logger, c: Context<WebEnv>): Reply {
  if (error instanceof HttpError) {
    return { status: error.status, headers: error.headers, body: { error: error.body } };
  }
  if (error instanceof HTTPException && error.status < 500) {
    // hono/csrf refuses a form posted from another origin with 403; other middleware with 400.
    const refused =
      error.status === 403
        ? new HttpError(403, RequestErrorCode.invalidCsrf, 'the form was not sent from this site')
        : new HttpError(error.status, RequestErrorCode.invalidRequest, 'the request is malformed');
    return { status: refused.status, headers: {}, body: { error: refused.body } };
  }
  if (!(error instanceof DdxError)) {
    // Name only: a message from outside the pipeline may quote an object key.
    logger.error('http request failed', {
      requestId: c.get('requestId'),
      error: error instanceof Error ? error.name : typeof error,
    });
  }
  return replyForThrownError(error, 'request');
}
