/**
 * The web app: the HTTP API and the clinician's workspace pages on Hono, from composed
 * dependencies. Transport-free (`app.fetch`): web/serve.ts runs it on Node, the same app can run
 * behind a Lambda Function URL.
 *
 * ```
 * request ─> request id + log line ─> Host allow-list ─> secure headers ─> 405 check
 *         ─> principal (bearer token, OIDC JWT or session) ─> route (role check) ─> answer
 * ```
 *
 * Every error answers in the API's one shape (error-reply.ts); job slots (job-slots.ts) are
 * taken only once a request's body is in (body-deadline.ts).
 */
import { type Context, Hono } from 'hono';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { secureHeaders } from 'hono/secure-headers';
import type { EventDelivery } from '../events/event-delivery.js';
import type { OutputSources } from '../outputs/record-output.js';
import type { PipelineDeps } from '../pipeline/pipeline-deps.js';
import type { AuditLog, TokenStore } from '../ports.js';
import type { KeyScope } from '../uploads/key-scope.js';
import { authenticate } from './auth/authenticate.js';
import type { OidcVerifier } from './auth/oidc.js';
import type { SessionSettings } from './auth/session.js';
import { replyForError, sendReply } from './error-reply.js';
import { HttpError, RequestErrorCode } from './http-error.js';
import type { JobSlots } from './job-slots.js';
import { allowedHosts } from './middleware/allowed-hosts.js';
import { requestLog } from './middleware/request-log.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { pageRoutes } from './routes/pages.js';
import { recordDocumentRoutes } from './routes/record-documents.js';
import { recordRoutes } from './routes/records.js';
import type { WebEnv } from './web-env.js';

export interface WebDeps extends PipelineDeps {
  outputs?: OutputSources;
  events?: EventDelivery;
  tokens: TokenStore;
  audit: AuditLog;
}

export interface WebSettings {
  scope: KeyScope;
  slots: JobSlots;
  /** Host names this server answers for (middleware/allowed-hosts.ts). */
  allowedHosts: readonly string[];
  /** In Lambda: the domain of the Function URL or API that delivered the request. */
  frontDoorHost?: (c: Context<WebEnv>) => string | undefined;
  /** Time for a request body to arrive once its headers are in. */
  bodyDeadlineMs: number;
  session: SessionSettings;
  oidc?: OidcVerifier;
}

export function createWebApp(deps: WebDeps, settings: WebSettings): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.use(requestLog(deps.logger));
  app.use(allowedHosts(settings.allowedHosts, settings.frontDoorHost));
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    }),
  );
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const allow = methods.join(', ');
        return sendReply(
          c,
          replyForError(
            new HttpError(405, RequestErrorCode.methodNotAllowed, `use ${allow}`, { allow }),
            deps.logger,
            c,
          ),
        );
      },
    }),
  );
  app.use(authenticate({ tokens: deps.tokens, oidc: settings.oidc, session: settings.session }));
  app.route('/', healthRoutes());
  app.route('/', jobRoutes(deps, settings));
  app.route('/', recordDocumentRoutes(deps.outputs));
  app.route('/', recordRoutes({ ...deps, audit: deps.audit }, settings.bodyDeadlineMs));
  app.route('/', pageRoutes(deps, settings));
  app.notFound((c) =>
    sendReply(
      c,
      replyForError(
        new HttpError(404, RequestErrorCode.notFound, 'no such route: the API is under /v1'),
        deps.logger,
        c,
      ),
    ),
  );
  app.onError((error, c) => sendReply(c, replyForError(error, deps.logger, c)));
  return app;
}
