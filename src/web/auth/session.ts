/**
 * Browser sessions: `POST /sign-in` with a valid API token sets `ddx_session`, a signed
 * (hono/cookie, HMAC-SHA256), HttpOnly, SameSite=Strict cookie naming the token's id and when the
 * session ends. The token is checked again on every request, so revoking it ends its sessions.
 * The signing secret is DDX_SESSION_SECRET, or one drawn at start (sessions then end on restart).
 */
import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import type { StoredToken } from '../../ports.js';
import type { WebEnv } from '../web-env.js';

export const sessionCookie = 'ddx_session';

export interface SessionSettings {
  secret: string;
  ttlSeconds: number;
  /** Secure cookies (HTTPS only): on behind TLS; off for http://127.0.0.1. */
  secure: boolean;
}

export async function startSession(c: Context<WebEnv>, token: StoredToken, settings: SessionSettings) {
  const expires = Math.floor(Date.now() / 1000) + settings.ttlSeconds;
  await setSignedCookie(c, sessionCookie, `${token.id}.${expires}`, settings.secret, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: settings.secure,
    path: '/',
    maxAge: settings.ttlSeconds,
  });
}

export function endSession(c: Context<WebEnv>, settings: SessionSettings): void {
  deleteCookie(c, sessionCookie, { path: '/', secure: settings.secure });
}

/** The token id of a live session; undefined when there is none, it is forged or it has ended. */
export async function sessionTokenId(
  c: Context<WebEnv>,
  settings: SessionSettings,
): Promise<string | undefined> {
  const value = await getSignedCookie(c, settings.secret, sessionCookie);
  if (typeof value !== 'string') return undefined;
  const [id, expires] = value.split('.');
  if (!id || !expires || Number(expires) * 1000 < Date.now()) return undefined;
  return id;
}
