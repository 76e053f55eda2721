/**
 * A request body must arrive within `deadlineMs` of its headers: the body is swapped for one that
 * errors with 408 REQUEST_TIMEOUT when the time is up, whoever is reading it (hono/body-limit,
 * then the route). The route reads the body before it takes a job slot (job-slots.ts), so a
 * client sending a byte every few seconds is refused without ever holding one.
 */
import type { MiddlewareHandler } from 'hono';
import { HttpError, RequestErrorCode } from '../http-error.js';
import type { WebEnv } from '../web-env.js';

export function bodyDeadline(deadlineMs: number): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (body) {
      const expired = () =>
        new HttpError(
          408,
          RequestErrorCode.bodyTimeout,
          `the request body did not arrive within ${deadlineMs} ms`,
        );
      c.req.raw = new Request(c.req.raw, {
        body: withDeadline(body, deadlineMs, expired),
        duplex: 'half',
      } as RequestInit);
    }
    await next();
  };
}

function withDeadline(
  body: ReadableStream<Uint8Array>,
  deadlineMs: number,
  expired: () => Error,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let timer: NodeJS.Timeout | undefined;
  let failed = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setTimeout(() => {
        failed = true;
        const error = expired();
        controller.error(error);
        reader.cancel(error).catch(() => undefined);
      }, deadlineMs);
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (failed) return;
        if (done) {
          clearTimeout(timer);
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        clearTimeout(timer);
        if (!failed) controller.error(error);
      }
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
}
