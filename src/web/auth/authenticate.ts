/**
 * Who is asking: every route but the public ones (`/healthz`, `/sign-in`) needs a principal,
 * from `Authorization: Bearer` (an API token, or an OIDC JWT when OIDC is configured) or from a
 * browser session. None: API routes answer 401 UNAUTHENTICATED with `WWW-Authenticate: Bearer`,
 * pages send the browser to `/sign-in`. A bearer header that does not verify is refused even
 * when a session cookie came too.
 */
import type { MiddlewareHandler } from 'hono';
import type { TokenStore } from '../../ports.js';
import { HttpError, RequestErrorCode } from '../http-error.js';
import type { Principal } from '../view-props.js';
import { viewPaths } from '../views/view-paths.js';
import type { WebEnv } from '../web-env.js';
import { looksLikeApiToken, tokenPrincipalId, verifyApiToken } from './api-tokens.js';
import { looksLikeJwt, type OidcVerifier } from './oidc.js';
import { type SessionSettings, sessionTokenId } from './session.js';

export interface AccessSettings {
  tokens: TokenStore;
  oidc?: OidcVerifier;
  session: SessionSettings;
}

const publicPaths = new Set(['/healthz', '/sign-in']);

export function authenticate(access: AccessSettings): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (publicPaths.has(c.req.path)) return next();
    const authorization = c.req.header('authorization');
    let principal: Principal | undefined;
    if (authorization !== undefined) {
      const bearer = /^Bearer +(\S+)\s*$/i.exec(authorization)?.[1];
      principal = bearer ? await bearerPrincipal(access, bearer) : undefined;
      if (!principal) throw unauthenticated('the bearer token is not valid');
      c.set('via', 'bearer');
    } else {
      const id = await sessionTokenId(c, access.session);
      const stored = id ? await access.tokens.get(id) : undefined;
      if (stored && stored.revokedAt === null) {
        principal = { id: tokenPrincipalId(stored), role: stored.role };
        c.set('via', 'session');
      }
    }
    if (!principal) {
      if (!c.req.path.startsWith('/v1/')) return c.redirect(viewPaths.signIn, 303);
      throw unauthenticated('sign in: send Authorization: Bearer <token>');
    }
    c.set('principal', principal);
    await next();
  };
}

async function bearerPrincipal(access: AccessSettings, bearer: string): Promise<Principal | undefined> {
  if (looksLikeApiToken(bearer)) {
    const stored = await verifyApiToken(access.tokens, bearer);
    return stored ? { id: tokenPrincipalId(stored), role: stored.role } : undefined;
  }
  if (access.oidc && looksLikeJwt(bearer)) return access.oidc(bearer);
  return undefined;
}

function unauthenticated(message: string): HttpError {
  return new HttpError(401, RequestErrorCode.unauthenticated, message, { 'www-authenticate': 'Bearer' });
}
