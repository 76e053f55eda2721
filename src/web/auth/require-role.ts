/**
 * Roles enforced per route: the principal (auth/authenticate.ts) must hold one of `roles`, or the
 * request is refused with 403 FORBIDDEN.
 *
 * | role       | may                                                   |
 * | ---------- | ----------------------------------------------------- |
 * | `uploader` | upload, run jobs, read records and their documents    |
 * | `reviewer` | read records, their documents and audit logs; review  |
 * | `admin`    | everything                                            |
 */
import type { MiddlewareHandler } from 'hono';
import type { Role } from '../../ports.js';
import { HttpError, RequestErrorCode } from '../http-error.js';
import type { WebEnv } from '../web-env.js';

export const roles: readonly Role[] = ['uploader', 'reviewer', 'admin'];

export const readers: readonly Role[] = ['uploader', 'reviewer', 'admin'];

export function hasRole(role: Role, allowed: readonly Role[]): boolean {
  return allowed.includes(role);
}

export function requireRole(...allowed: Role[]): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!hasRole(principal.role, allowed)) {
      throw new HttpError(403, RequestErrorCode.forbidden, `this needs the role ${allowed.join(' or ')}`);
    }
    await next();
  };
}
