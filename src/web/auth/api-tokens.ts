/**
 * API tokens: `ddx_<id>_<secret>`, 16 random bytes of id and 32 of secret, base64url. Only the
 * SHA-256 of the whole token is stored (TokenStore); the token is shown once, when created. A
 * token is looked up by its id and accepted when its hash matches (compared in constant time)
 * and it is not revoked.
 *
 * @example
 * const { token, stored } = await createApiToken(tokens, { role: 'reviewer', name: 'dr-lee' });
 * // curl -H "authorization: Bearer $token" http://127.0.0.1:8000/v1/records
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role, StoredToken, TokenStore } from '../../ports.js';

const tokenFormat = /^ddx_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{43})$/;

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export async function createApiToken(
  tokens: TokenStore,
  settings: { role: Role; name?: string; now?: Date },
): Promise<{ token: string; stored: StoredToken }> {
  const id = randomBytes(16).toString('base64url');
  const token = `ddx_${id}_${randomBytes(32).toString('base64url')}`;
  const stored: StoredToken = {
    id,
    name: settings.name ?? `token-${id.slice(0, 6)}`,
    role: settings.role,
    sha256: tokenSha256(token),
    createdAt: (settings.now ?? new Date()).toISOString(),
    revokedAt: null,
  };
  await tokens.add(stored);
  return { token, stored };
}

/** The stored token a presented token is, when it is one of ours, unrevoked; else undefined. */
export async function verifyApiToken(
  tokens: TokenStore,
  presented: string,
): Promise<StoredToken | undefined> {
  const id = tokenFormat.exec(presented)?.[1];
  if (!id) return undefined;
  const stored = await tokens.get(id);
  if (!stored || stored.revokedAt !== null) return undefined;
  const expected = Buffer.from(stored.sha256, 'hex');
  const actual = Buffer.from(tokenSha256(presented), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? stored : undefined;
}

export function looksLikeApiToken(presented: string): boolean {
  return presented.startsWith('ddx_');
}

/** How a token names its holder in the audit log and on the pages. */
export function tokenPrincipalId(stored: StoredToken): string {
  return `token:${stored.name}`;
}
