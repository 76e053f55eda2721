/**
 * `ddx tokens create|list|revoke`: the API tokens of `ddx serve` (docs/http-api.md#access).
 * A token is printed once, when created; only its SHA-256 is stored, beside the records.
 */
import type { Config } from '../config.js';
import type { Role, StoredToken, TokenStore } from '../ports.js';
import type { Command } from './command.js';
import { ExitCode } from './exit-code.js';
import { UsageError } from './usage-error.js';

const roleNames: readonly Role[] = ['uploader', 'reviewer', 'admin'];

export const tokensCreateCommand: Command = {
  name: 'tokens create',
  summary: 'create an API token for ddx serve and print it once',
  options: {
    role: { type: 'string', value: 'ROLE', description: 'uploader, reviewer or admin (required)' },
    name: { type: 'string', value: 'NAME', description: 'who or what holds it, shown in the audit log' },
  },
  description: [
    'uploader: upload and run jobs, read records. reviewer: read records, review them, read',
    'their audit log. admin: everything. Send the token as `Authorization: Bearer <token>` or',
    'sign in with it at /sign-in.',
  ].join('\n'),
  examples: ['ddx tokens create --role reviewer --name dr-lee'],
  async run({ options, config, out, err }) {
    const role = options.text('role');
    if (!role || !roleNames.includes(role as Role)) {
      throw new UsageError(`--role must be one of ${roleNames.join(', ')}`);
    }
    const name = options.text('name');
    if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name)) {
      throw new UsageError('--name takes 1 to 64 letters, digits and . _ @ -');
    }
    const [{ createAccessStores }, { createApiToken }] = await Promise.all([
      import('../web/access-stores.js'),
      import('../web/auth/api-tokens.js'),
    ]);
    const access = await createAccessStores(config());
    try {
      const { token, stored } = await createApiToken(access.tokens, { role: role as Role, name });
      out.write(`${token}\n`);
      err.write(
        `ddx: token ${stored.id} (${stored.name}, ${stored.role}) created: it is shown only this once\n`,
      );
    } finally {
      await access.close();
    }
    return ExitCode.ok;
  },
};

export const tokensListCommand: Command = {
  name: 'tokens list',
  summary: 'list the API tokens (never the tokens themselves)',
  options: { json: { type: 'boolean', description: 'print them as a JSON array' } },
  async run({ options, config, out }) {
    const listed = await withTokenStore(config(), (tokens) => tokens.list());
    const shown = listed.map(({ sha256: _, ...token }) => token);
    if (options.flag('json')) out.write(`${JSON.stringify(shown, null, 2)}\n`);
    else out.write(shown.length === 0 ? 'no tokens\n' : `${shown.map(tokenLine).join('\n')}\n`);
    return ExitCode.ok;
  },
};

export const tokensRevokeCommand: Command = {
  name: 'tokens revoke',
  summary: 'revoke an API token: its requests and sessions are refused from now on',
  arguments: [{ name: 'id', description: 'the token id (from ddx tokens list)' }],
  async run({ args, config, out }) {
    const id = args[0] ?? '';
    if (!(await withTokenStore(config(), (tokens) => tokens.revoke(id, new Date().toISOString())))) {
      throw new UsageError(`no live token with id ${id}`);
    }
    out.write(`revoked ${id}\n`);
    return ExitCode.ok;
  },
};

/** The token store of the configured result store, open for `work` only. */
async function withTokenStore<T>(config: Config, work: (tokens: TokenStore) => Promise<T>): Promise<T> {
  const { createAccessStores } = await import('../web/access-stores.js');
  const access = await createAccessStores(config);
  try {
    return await work(access.tokens);
  } finally {
    await access.close();
  }
}

function tokenLine(token: Omit<StoredToken, 'sha256'>): string {
  const state = token.revokedAt ? `revoked ${token.revokedAt}` : 'active';
  return `${token.id}  ${token.role.padEnd(8)}  ${token.name}  created ${token.createdAt}  ${state}`;
}
