/** `GET /healthz`: liveness, the one route that needs no principal. */
import { Hono } from 'hono';
import type { WebEnv } from '../web-env.js';

export function healthRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/healthz', (c) => c.json({ status: 'ok' }));
}
