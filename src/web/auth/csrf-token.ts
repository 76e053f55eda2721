/**
 * CSRF protection for the HTML forms, in two layers: hono/csrf refuses a form post whose Origin
 * is not this server's (app.ts), and every form carries a double-submit token: the `csrf` field
 * must equal the HttpOnly `ddx_csrf` cookie, which another site can neither read nor set.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { HttpError, RequestErrorCode } from '../http-error.js';
import type { WebEnv } from '../web-env.js';

export const csrfCookie = 'ddx_csrf';
export const csrfField = 'csrf';

/** The form token of this browser: the cookie's value, set now when it has none. */
export function csrfTokenFor(c: Context<WebEnv>, secure: boolean): string {
  const existing = getCookie(c, csrfCookie);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  setCookie(c, csrfCookie, token, { httpOnly: true, sameSite: 'Strict', secure, path: '/' });
  return token;
}

export function checkCsrf(c: Context<WebEnv>, submitted: unknown): void {
  const cookie = getCookie(c, csrfCookie);
  const valid =
    typeof submitted === 'string' &&
    cookie !== undefined &&
    submitted.length === cookie.length &&
    timingSafeEqual(Buffer.from(submitted), Buffer.from(cookie));
  if (!valid)
    throw new HttpError(
      403,
      RequestErrorCode.invalidCsrf,
      'the form is stale: reload the page and try again',
    );
}
