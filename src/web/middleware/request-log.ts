/**
 * Each request gets an id (the caller's `x-request-id` when it is a plain token) sent back in
 * `x-request-id`, and one log line once answered: method, route pattern, status, duration,
 * request id. Never the path, the query, headers or the body: keys and metadata can identify a
 * patient.
 */

import { performance } from 'node:perf_hooks';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from '../../ports.js';
import { requestIdFor } from '../request-id.js';
import type { WebEnv } from '../web-env.js';

export function requestLog(logger: Logger): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = requestIdFor(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    await next();
    c.header('x-request-id', requestId);
    const fields = {
      requestId,
      method: c.req.method,
      route: routePattern(c),
      status: c.res.status,
      durationMs: Math.round(performance.now() - started),
    };
    if (c.res.status >= 500) logger.warn('http request', fields);
    else logger.info('http request', fields);
  };
}

/** The pattern of the handler that answered (`/v1/records/:id`); null when none did. */
function routePattern(c: Parameters<MiddlewareHandler<WebEnv>>[0]): string | null {
  const handlers = matchedRoutes(c).filter((route) => route.method !== 'ALL');
  return handlers.at(-1)?.path ?? null;
}
