/**
 * The web server for tests: the access stores of a configuration (tokens and audit in its SQLite
 * file), an admin token made the way `ddx tokens create` makes one, and `fetch` that sends it.
 */
import type { ComposedDependencies } from '../../src/compose.js';
import type { Config } from '../../src/config.js';
import type { Role } from '../../src/ports.js';
import { type AccessStores, createAccessStores } from '../../src/web/access-stores.js';
import { createApiToken } from '../../src/web/auth/api-tokens.js';
import { type RunningServer, type ServerOptions, startWebServer } from '../../src/web/serve.js';

export interface TestAccess extends AccessStores {
  /** An admin token's `Authorization` header. */
  admin: Record<string, string>;
  tokenFor(role: Role, name?: string): Promise<string>;
  start(deps: ComposedDependencies, options: ServerOptions): Promise<RunningServer>;
}

export async function testAccess(config: Config): Promise<TestAccess> {
  const access = await createAccessStores(config);
  const tokenFor = async (role: Role, name?: string) =>
    (await createApiToken(access.tokens, { role, name })).token;
  return {
    ...access,
    admin: { authorization: `Bearer ${await tokenFor('admin', 'test-admin')}` },
    tokenFor,
    start: (deps, options) =>
      startWebServer({ ...deps, tokens: access.tokens, audit: access.audit }, options),
  };
}

/** `fetch` with `headers` added to every request (the caller's own headers win). */
export function fetchWith(headers: Record<string, string>): typeof fetch {
  return (input, init = {}) =>
    fetch(input, {
      ...init,
      headers: { ...headers, ...(init.headers as Record<string, string> | undefined) },
    });
}
