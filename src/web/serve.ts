/**
 * `ddx serve` on Node: the web app (app.ts) on a node:http server through @hono/node-server,
 * with per-request header and body timeouts, the Host allow-list for the address it is bound to,
 * the outbox swept every `sweepIntervalMs`, and a shutdown that lets requests in flight finish.
 *
 * @example
 * const config = loadConfig();
 * const deps = await composeDependencies(config);
 * const access = await createAccessStores(config);
 * const server = await startWebServer({ ...deps, ...access }, { inputPrefix: config.inputPrefix, port: 8000 });
 * // ddx tokens create --role uploader, then:
 * // curl --data-binary @a.jpg -H 'content-type: image/jpeg' -H "authorization: Bearer $TOKEN" \
 * //   -H "x-ddx-metadata: $(jq -c . a.jpg.meta.json)" http://127.0.0.1:8000/v1/uploads
 * await server.close(); // lets the requests in flight finish
 * await deps.close();
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { startPeriodicSweep } from '../events/periodic-sweep.js';
import { createWebApp, type WebDeps } from './app.js';
import { createOidcVerifier, type OidcSettings } from './auth/oidc.js';
import type { SessionSettings } from './auth/session.js';
import { createJobSlots } from './job-slots.js';
import { allowedHostsFor } from './middleware/allowed-hosts.js';

export interface ServerOptions {
  /** Where uploads are stored, and the only keys a job may name (`config.inputPrefix`). */
  inputPrefix: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * Jobs run at once (4): a request for one more is refused with 503 and `Retry-After` before its
   * body is read, so a burst of 30 MB uploads cannot exhaust memory.
   */
  maxConcurrentJobs?: number;
  /** 127.0.0.1 unless told otherwise. */
  host?: string;
  /** Host names answered besides localhost and the bound address (DDX_ALLOWED_HOSTS). */
  allowedHosts?: readonly string[];
  /** Time for a client to send its request headers (15 s). */
  headersTimeoutMs?: number;
  /**
   * How long an idle keep-alive connection is kept for its next request (30 s). Well above what
   * clients wait themselves (they follow the `Keep-Alive: timeout` hint, less a margin), so a
   * client does not send on a connection the server is closing that very moment.
   */
  keepAliveTimeoutMs?: number;
  /** Time for a request body to arrive once its headers are in, before any job slot is taken (30 s). */
  bodyTimeoutMs?: number;
  /** Time for a client to send its whole request, a backstop behind `bodyTimeoutMs` (120 s). */
  requestTimeoutMs?: number;
  /** How often the outbox is swept for events still to deliver (60 s). */
  sweepIntervalMs?: number;
  /** Browser sessions; a random secret (sessions end on restart) and 8 h when absent. */
  session?: Partial<SessionSettings>;
  oidc?: OidcSettings;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting connections, lets requests in flight finish (jobs end by their deadline), then closes. */
  close(): Promise<void>;
}

/** Listens for the web app; resolves once the port is bound. */
export async function startWebServer(deps: WebDeps, options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const app = createWebApp(deps, {
    scope: { inputPrefix: options.inputPrefix, derivedPrefix: deps.derivedPrefix },
    slots: createJobSlots(options.maxConcurrentJobs ?? 4),
    allowedHosts: allowedHostsFor(host, options.allowedHosts),
    bodyDeadlineMs: options.bodyTimeoutMs ?? 30_000,
    session: {
      secret: options.session?.secret ?? randomBytes(32).toString('base64url'),
      ttlSeconds: options.session?.ttlSeconds ?? 8 * 3600,
      secure: options.session?.secure ?? false,
    },
    oidc: options.oidc ? createOidcVerifier(options.oidc) : undefined,
  });
  const logger = deps.logger;
  const sweeper = deps.events
    ? startPeriodicSweep(deps.events, options.sweepIntervalMs ?? 60_000, logger)
    : undefined;
  const listener = getRequestListener(app.fetch);
  /** Requests being handled, with their responses: shutdown waits for them. */
  const inFlight = new Map<Promise<unknown>, ServerResponse>();
  let closing = false;

  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs ?? 15_000,
      requestTimeout: options.requestTimeoutMs ?? 120_000,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    },
    (request, response) => {
      if (closing) response.setHeader('connection', 'close');
      const answered = new Promise<void>((resolve) => response.once('close', resolve));
      const handled = listener(request, response);
      // Shutdown waits for both: the job's record is stored and the answer is on its way.
      const done: Promise<unknown> = Promise.allSettled([handled, answered]).then(() =>
        inFlight.delete(done),
      );
      inFlight.set(done, response);
    },
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error('http server error', { error: error.name }));

  let stopped: Promise<void> | undefined;
  async function stop(): Promise<void> {
    closing = true;
    const closed = once(server, 'close');
    server.close();
    server.closeIdleConnections();
    // Answers still to come close their connection; a request that slipped in meanwhile is waited for too.
    while (inFlight.size > 0) {
      for (const response of inFlight.values()) {
        if (!response.headersSent) response.setHeader('connection', 'close');
      }
      await Promise.allSettled([...inFlight.keys()]);
    }
    server.closeAllConnections();
    await closed;
    await sweeper?.stop();
  }

  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;
  logger.info('http server listening', { url });
  return {
    url,
    port,
    close: () => {
      stopped ??= stop();
      return stopped;
    },
  };
}

function urlHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
