/**
 * OIDC bearer JWTs (Cognito, Entra ID, Okta): verified with jose against the issuer's JWKS
 * (`DDX_OIDC_JWKS_URL`, or `<issuer>/.well-known/jwks.json`), for the configured issuer and
 * audience; the role is read from one claim (`DDX_OIDC_ROLE_CLAIM`, a string or a list such as
 * `cognito:groups`: the strongest of our role names in it wins). A token without one of our roles
 * authenticates nobody.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ConfigurationError } from '../../errors.js';
import type { Role } from '../../ports.js';
import type { Principal } from '../view-props.js';

export interface OidcSettings {
  issuer: string;
  audience: string;
  roleClaim: string;
  /** Defaults to `<issuer>/.well-known/jwks.json`. */
  jwksUrl?: string;
  /** Clock skew allowed on exp/nbf, in seconds (30). */
  clockToleranceSeconds?: number;
}

export type OidcVerifier = (jwt: string) => Promise<Principal | undefined>;

const strength: readonly Role[] = ['admin', 'reviewer', 'uploader'];

export function createOidcVerifier(settings: OidcSettings): OidcVerifier {
  const jwksUrl = new URL(settings.jwksUrl ?? `${settings.issuer.replace(/\/$/, '')}/.well-known/jwks.json`);
  // Keys fetched in the clear could be swapped on the way: HTTPS, except on this machine.
  if (jwksUrl.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(jwksUrl.hostname)) {
    throw new ConfigurationError('invalid configuration: the OIDC JWKS must be fetched over https');
  }
  const keys = createRemoteJWKSet(jwksUrl, { timeoutDuration: 5000, cooldownDuration: 30_000 });
  return async (jwt) => {
    try {
      const { payload } = await jwtVerify(jwt, keys, {
        issuer: settings.issuer,
        audience: settings.audience,
        clockTolerance: settings.clockToleranceSeconds ?? 30,
      });
      const claimed = payload[settings.roleClaim];
      const values = Array.isArray(claimed) ? claimed : [claimed];
      const role = strength.find((candidate) => values.includes(candidate));
      if (!role || typeof payload.sub !== 'string') return undefined;
      return { id: `oidc:${payload.sub}`, role };
    } catch {
      // Expired, wrong issuer or audience, bad signature, JWKS unreachable: not authenticated.
      return undefined;
    }
  };
}

export function looksLikeJwt(presented: string): boolean {
  return presented.split('.').length === 3;
}
