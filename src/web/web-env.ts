/**
 * What every request's context carries in the web app: its request id and, once authenticated,
 * its principal. On Node the bindings hold the raw request and response (@hono/node-server).
 */
import type { HttpBindings } from '@hono/node-server';
import type { Principal } from './view-props.js';

export interface WebEnv {
  Bindings: Partial<HttpBindings>;
  Variables: {
    requestId: string;
    /** Set by auth/authenticate.ts for every route but the public ones. */
    principal: Principal;
    /** How the principal came: a browser session needs CSRF checks, a bearer token does not. */
    via: 'bearer' | 'session';
  };
}
