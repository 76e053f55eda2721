/**
 * The Host allow-list: a request naming any other host is refused with 421 HOST_NOT_ALLOWED, so a
 * page on attacker.example that rebinds its DNS name to 127.0.0.1 cannot read a record through
 * the victim's browser. By default the names the server is reached by on its own machine
 * (localhost, 127.0.0.1, ::1) and the address it is bound to; DDX_ALLOWED_HOSTS adds others.
 * `/healthz` is exempt: load balancers and orchestrators probe it by IP address. Behind a Lambda
 * Function URL or API Gateway, the front door's own domain (`frontDoorHost`) is allowed too: AWS
 * has already routed the request by that name.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { HttpError, RequestErrorCode } from '../http-error.js';
import type { WebEnv } from '../web-env.js';

export const loopbackHosts = ['localhost', '127.0.0.1', '[::1]'] as const;

/** The default allow-list for a server bound to `boundHost`, plus `extra` names. */
export function allowedHostsFor(boundHost: string, extra: readonly string[] = []): string[] {
  const wildcard = boundHost === '' || boundHost === '0.0.0.0' || boundHost === '::';
  const bound = wildcard ? [] : [boundHost.includes(':') ? `[${boundHost}]` : boundHost];
  return [...new Set([...loopbackHosts, ...bound, ...extra].map((name) => name.toLowerCase()))];
}

export function allowedHosts(
  names: readonly string[],
  frontDoorHost?: (c: Context<WebEnv>) => string | undefined,
): MiddlewareHandler<WebEnv> {
  const allowed = new Set(names.map((name) => name.toLowerCase()));
  return async (c, next) => {
    const host = hostnameOf(c.req.header('host'));
    const known = allowed.has(host) || (host !== '' && host === frontDoorHost?.(c)?.toLowerCase());
    if (c.req.path !== '/healthz' && !known) {
      throw new HttpError(421, RequestErrorCode.hostNotAllowed, 'this server does not answer for that Host');
    }
    await next();
  };
}

/** `example.org` from `Example.org:8000`, `[::1]` from `[::1]:8000`; '' when absent or odd. */
export function hostnameOf(header: string | undefined): string {
  const host = (header ?? '').trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(0, end + 1) : '';
  }
  return host.split(':')[0] ?? '';
}
