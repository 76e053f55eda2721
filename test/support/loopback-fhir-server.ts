/**
 * A FHIR R4 server on 127.0.0.1 for the push tests, shaped like the real contracts: a
 * `transaction` Bundle POSTed to the base URL is validated with an independent R4 validator
 * (Medplum's), each entry's PUT applied by type and id, and answered with a
 * `transaction-response`; an invalid one gets 400 with an OperationOutcome. With `smart`, it
 * publishes `.well-known/smart-configuration` and a token endpoint that checks the client
 * assertion per SMART Backend Services (signature against the client's public key with jose,
 * iss = sub = client id, aud = the token URL, exp within 5 minutes, jti used once) and demands
 * its bearer tokens on writes. It can be told to fail the next requests.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { fhirValidationIssues } from './fhir-validator.js';
import { readRequestText } from './read-request-text.js';

export interface LoopbackFhirServer {
  readonly baseUrl: string;
  readonly tokenUrl: string;
  /** Stored resources by `Type/id`. */
  readonly resources: Map<string, Resource>;
  /** Every transaction received, valid or not. */
  readonly transactions: Bundle[];
  readonly tokensIssued: number;
  /** Answers `status` to the next `times` writes. */
  failNext(status: number, times: number): void;
  /** Makes every token issued so far invalid (a server that restarted, a revoked grant). */
  revokeTokens(): void;
  close(): Promise<void>;
}

export interface FhirServerOptions {
  /** SMART backend services: the registered client and its public keys. */
  smart?: { clientId: string; jwks: JSONWebKeySet; scope: string };
  /** A fixed bearer token the server accepts (no token endpoint). */
  bearerToken?: string;
}

function reply(
  response: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/fhir+json',
): void {
  response.writeHead(status, { 'content-type': type });
  response.end(JSON.stringify(body));
}

function outcome(code: string, diagnostics: string) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

export async function startLoopbackFhirServer(options: FhirServerOptions = {}): Promise<LoopbackFhirServer> {
  const resources = new Map<string, Resource>();
  const transactions: Bundle[] = [];
  const validTokens = new Set<string>();
  const usedJti = new Set<string>();
  let tokensIssued = 0;
  let failures = { status: 0, times: 0 };
  let baseUrl = '';
  let tokenUrl = '';
  const keys = options.smart ? createLocalJWKSet(options.smart.jwks) : undefined;

  async function token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readRequestText(request));
    const smart = options.smart;
    const refuse = (error: string, description: string) =>
      reply(response, 400, { error, error_description: description }, 'application/json');
    if (!smart || !keys) return refuse('unsupported_grant_type', 'no SMART clients here');
    if (form.get('grant_type') !== 'client_credentials')
      return refuse('unsupported_grant_type', 'client_credentials only');
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return refuse('invalid_client', 'client_assertion_type');
    }
    try {
      const { payload, protectedHeader } = await jwtVerify(form.get('client_assertion') ?? '', keys, {
        issuer: smart.clientId,
        subject: smart.clientId,
        audience: tokenUrl,
        algorithms: ['RS384', 'ES384'],
      });
      if (!protectedHeader.kid) return refuse('invalid_client', 'no kid');
      if (typeof payload.exp !== 'number' || payload.exp - Date.now() / 1000 > 300) {
        return refuse('invalid_client', 'exp more than 5 minutes ahead');
      }
      if (typeof payload.jti !== 'string' || usedJti.has(payload.jti))
        return refuse('invalid_client', 'jti replayed');
      usedJti.add(payload.jti);
    } catch (error) {
      return refuse('invalid_client', (error as Error).message);
    }
    const accessToken = randomUUID();
    validTokens.add(accessToken);
    tokensIssued++;
    reply(
      response,
      200,
      {
        access_token: accessToken,
        token_type: 'bearer',
        expires_in: 300,
        scope: form.get('scope') ?? smart.scope,
      },
      'application/json',
    );
  }

  function authorised(request: IncomingMessage): boolean {
    const header = request.headers.authorization ?? '';
    if (options.bearerToken) return header === `Bearer ${options.bearerToken}`;
    if (options.smart) return header.startsWith('Bearer ') && validTokens.has(header.slice('Bearer '.length));
    return true;
  }

  async function transaction(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readRequestText(request);
    if (!authorised(request))
      return reply(response, 401, outcome('login', 'a valid bearer token is required'));
    if (failures.times > 0) {
      failures.times--;
      return reply(response, failures.status, outcome('transient', 'failing on purpose'));
    }
    if (!(request.headers['content-type'] ?? '').startsWith('application/fhir+json')) {
      return reply(response, 415, outcome('not-supported', 'send application/fhir+json'));
    }
    let bundle: Bundle;
    try {
      bundle = JSON.parse(text) as Bundle;
    } catch {
      return reply(response, 400, outcome('structure', 'not JSON'));
    }
    transactions.push(bundle);
    if (bundle.resourceType !== 'Bundle' || bundle.type !== 'transaction') {
      return reply(response, 400, outcome('invalid', 'POST a transaction Bundle to the base URL'));
    }
    const issues = fhirValidationIssues(bundle).filter((issue) => issue.startsWith('error'));
    if (issues.length > 0) return reply(response, 400, outcome('invalid', issues.join('; ')));
    const entries = bundle.entry ?? [];
    for (const entry of entries) {
      const resource = entry.resource;
      if (
        entry.request?.method !== 'PUT' ||
        !resource?.id ||
        entry.request.url !== `${resource.resourceType}/${resource.id}`
      ) {
        return reply(response, 400, outcome('invalid', 'each entry must PUT its resource by its id'));
      }
    }
    const answers = entries.map((entry) => {
      const resource = entry.resource as Resource;
      const key = `${resource.resourceType}/${resource.id}`;
      const existed = resources.has(key);
      resources.set(key, resource);
      return { response: { status: existed ? '200 OK' : '201 Created', location: `${key}/_history/1` } };
    });
    reply(response, 200, { resourceType: 'Bundle', type: 'transaction-response', entry: answers });
  }

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const work =
      request.method === 'GET' && path === '/fhir/.well-known/smart-configuration'
        ? Promise.resolve(
            reply(
              response,
              200,
              {
                token_endpoint: tokenUrl,
                token_endpoint_auth_methods_supported: ['private_key_jwt'],
                grant_types_supported: ['client_credentials'],
              },
              'application/json',
            ),
          )
        : request.method === 'POST' && path === '/auth/token'
          ? token(request, response)
          : request.method === 'POST' && path === '/fhir'
            ? transaction(request, response)
            : Promise.resolve(reply(response, 404, outcome('not-found', 'no such endpoint')));
    work.catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}/fhir`;
  tokenUrl = `http://127.0.0.1:${port}/auth/token`;
  return {
    baseUrl,
    tokenUrl,
    resources,
    transactions,
    get tokensIssued() {
      return tokensIssued;
    },
    failNext(status, times) {
      failures = { status, times };
    },
    revokeTokens() {
      validTokens.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
