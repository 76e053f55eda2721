/**
 * The web app (src/web/app.ts) as a Lambda behind a Function URL or an API Gateway HTTP API:
 * hono/aws-lambda translates the events. Per container: the configuration (secrets resolved from
 * their ARNs), the composed dependencies and the access stores, built on the first request.
 * One job at a time per container (Lambda sends one request at a time); the body arrives whole,
 * so the body deadline never waits. The session secret must be set (DDX_SESSION_SECRET, from
 * Secrets Manager in the stack): every container must accept every other's sessions.
 */

import type { Context as LambdaContext } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { composeDependencies } from '../compose.js';
import { loadConfigWithSecrets } from '../config.js';
import { ConfigurationError } from '../errors.js';
import { createAccessStores } from '../web/access-stores.js';
import { createWebApp } from '../web/app.js';
import { createOidcVerifier } from '../web/auth/oidc.js';
import { createJobSlots } from '../web/job-slots.js';
import { loopbackHosts } from '../web/middleware/allowed-hosts.js';

type Handler = ReturnType<typeof handle>;
let handler: Promise<Handler> | undefined;

async function createHandler(): Promise<Handler> {
  const config = await loadConfigWithSecrets();
  const { web } = config;
  if (!web.sessionSecret) {
    throw new ConfigurationError('invalid configuration: DDX_SESSION_SECRET is required in Lambda');
  }
  const [deps, access] = await Promise.all([composeDependencies(config), createAccessStores(config)]);
  const app = createWebApp(
    { ...deps, tokens: access.tokens, audit: access.audit },
    {
      scope: { inputPrefix: config.inputPrefix, derivedPrefix: deps.derivedPrefix },
      slots: createJobSlots(1),
      allowedHosts: [...loopbackHosts, ...web.allowedHosts],
      frontDoorHost: (c) => frontDoorDomain((c.env as { event?: LambdaEvent }).event),
      bodyDeadlineMs: web.bodyTimeoutMs,
      session: { secret: web.sessionSecret, ttlSeconds: web.sessionTtlSeconds, secure: true },
      oidc: web.oidc ? createOidcVerifier({ ...web.oidc, jwksUrl: web.oidc.jwksUrl }) : undefined,
    },
  );
  return handle(app);
}

/** The Function URL's or API's own domain (ALB events have none). */
function frontDoorDomain(event: LambdaEvent | undefined): string | undefined {
  const context = event?.requestContext as { domainName?: unknown } | undefined;
  return typeof context?.domainName === 'string' ? context.domainName : undefined;
}

/** The Lambda handler of the web app (`index.webHandler` in the bundle). */
export async function handleWebRequest(event: LambdaEvent, context: LambdaContext) {
  handler ??= createHandler();
  return (await handler)(event, context);
}
