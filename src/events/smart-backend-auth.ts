/**
 * Access tokens for a FHIR server, per SMART Backend Services (client credentials with a
 * `private_key_jwt` client assertion, HL7 SMART App Launch 2.x):
 *
 * ```
 * token endpoint   DDX_FHIR_TOKEN_URL, or `token_endpoint` of <base>/.well-known/smart-configuration
 * assertion        JWT { iss = sub = client id, aud = token endpoint, jti, exp <= 5 min }, signed
 *                  with the client's private key (RS384 or ES384), header `kid`
 * request          POST grant_type=client_credentials, scope, client_assertion_type=
 *                  urn:ietf:params:oauth:client-assertion-type:jwt-bearer, client_assertion
 * ```
 *
 * The token is kept until a minute before it expires, or until the FHIR server refuses it.
 * Signing is `jose`'s: no JWT code of our own.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, importPKCS8, type JWK, SignJWT } from 'jose';
import { ConfigurationError } from '../errors.js';
import { errorFromHttpStatus, errorFromNetworkFailure } from '../resilience/http-errors.js';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../resilience/retry.js';

export interface SmartBackendSettings {
  fhirBaseUrl: string;
  clientId: string;
  /** PKCS #8 PEM, or a private JWK as JSON. */
  privateKey: string;
  keyId: string;
  algorithm: 'RS384' | 'ES384';
  /** The token endpoint; discovered from the server's SMART configuration when absent. */
  tokenUrl?: string;
  scope: string;
  policy?: RetryPolicy;
  fetch?: typeof fetch;
  now?: () => Date;
}

export interface AccessTokens {
  /** The `Authorization` header value. */
  authorization(signal?: AbortSignal): Promise<string>;
  /** Forgets the cached token (the server refused it). */
  invalidate(): void;
}

type SigningKey = Awaited<ReturnType<typeof importPKCS8>> | Uint8Array;

const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export function createSmartBackendAuth(settings: SmartBackendSettings): AccessTokens {
  const fetchImplementation = settings.fetch ?? fetch;
  const policy = settings.policy ?? defaultRetryPolicy;
  const now = settings.now ?? (() => new Date());
  let key: Promise<SigningKey> | undefined;
  let tokenUrl: Promise<string> | undefined;
  let cached: { value: string; expiresAt: number } | undefined;

  const call = <T>(
    operation: string,
    signal: AbortSignal | undefined,
    attempt: (signal: AbortSignal) => Promise<T>,
  ) =>
    withRetry(attempt, {
      policy,
      signal,
      operation,
      toError: (error) => errorFromNetworkFailure(operation, error),
    });

  async function json(response: Response, operation: string): Promise<Record<string, unknown>> {
    const body = await response.text();
    if (!response.ok)
      throw errorFromHttpStatus(operation, response.status, body, response.headers.get('retry-after'));
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw errorFromHttpStatus(operation, 502, 'the answer is not JSON');
    }
  }

  function discoverTokenUrl(signal?: AbortSignal): Promise<string> {
    if (settings.tokenUrl) return Promise.resolve(settings.tokenUrl);
    const operation = 'FHIR SMART configuration GET';
    const url = `${settings.fhirBaseUrl.replace(/\/+$/, '')}/.well-known/smart-configuration`;
    return call(operation, signal, async (attemptSignal) => {
      const response = await fetchImplementation(url, {
        headers: { accept: 'application/json' },
        signal: attemptSignal,
      });
      const configuration = await json(response, operation);
      if (typeof configuration.token_endpoint !== 'string') {
        throw new ConfigurationError(`${url} names no token_endpoint: set DDX_FHIR_TOKEN_URL`);
      }
      return configuration.token_endpoint;
    });
  }

  function signingKey(): Promise<SigningKey> {
    const text = settings.privateKey.trim();
    return text.startsWith('{')
      ? importJWK(JSON.parse(text) as JWK, settings.algorithm)
      : importPKCS8(text, settings.algorithm);
  }

  async function requestToken(signal?: AbortSignal): Promise<{ value: string; expiresAt: number }> {
    tokenUrl ??= discoverTokenUrl(signal).catch((error: unknown) => {
      tokenUrl = undefined;
      throw error;
    });
    key ??= signingKey().catch((error: unknown) => {
      key = undefined;
      throw new ConfigurationError(
        `DDX_FHIR_PRIVATE_KEY cannot be read as a ${settings.algorithm} key: ${(error as Error).message}`,
      );
    });
    const [audience, privateKey] = await Promise.all([tokenUrl, key]);
    const operation = 'FHIR token POST';
    return call(operation, signal, async (attemptSignal) => {
      const issuedAt = Math.floor(now().getTime() / 1000);
      // A fresh assertion per attempt: a jti is used once.
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: settings.algorithm, kid: settings.keyId, typ: 'JWT' })
        .setIssuer(settings.clientId)
        .setSubject(settings.clientId)
        .setAudience(audience)
        .setJti(randomUUID())
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + 300)
        .sign(privateKey);
      const response = await fetchImplementation(audience, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: settings.scope,
          client_assertion_type: assertionType,
          client_assertion: assertion,
        }),
        signal: attemptSignal,
      });
      const answer = await json(response, operation);
      if (typeof answer.access_token !== 'string')
        throw errorFromHttpStatus(operation, 502, 'no access_token in the answer');
      const lifetimeSeconds = typeof answer.expires_in === 'number' ? answer.expires_in : 300;
      return {
        value: answer.access_token,
        expiresAt: now().getTime() + Math.max(0, lifetimeSeconds - 60) * 1000,
      };
    });
  }

  return {
    async authorization(signal) {
      if (!cached || cached.expiresAt <= now().getTime()) cached = await requestToken(signal);
      return `Bearer ${cached.value}`;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** A fixed bearer token (`DDX_FHIR_BEARER_TOKEN`): nothing to refresh. */
export function staticBearer(token: string): AccessTokens {
  return { authorization: async () => `Bearer ${token}`, invalidate: () => undefined };
}
