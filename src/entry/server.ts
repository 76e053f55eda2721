/**
 * The HTTP server: a thin translation from requests to jobs and from records to responses, on
 * node:http. The work is `runInference`, as for the Lambda handler and the CLI.
 *
 * ```
 * GET  /healthz                          liveness
 * POST /v1/uploads[?key=uploads/a.jpg]   image bytes as the body, metadata in x-ddx-metadata: store, run
 * POST /v1/jobs   { "key": "uploads/a.jpg" }   run for an object already in the blob store
 * GET  /v1/records/:id                   one stored record
 * GET  /v1/records?status=failed&limit=20   stored records, newest first
 * ```
 *
 * Every answer is JSON and carries `x-request-id` (the caller's, when it is a plain token), which
 * is also the job's request id. One log line per request names the route pattern, never the path,
 * query, headers or body: keys and metadata can identify a patient. The API has no
 * authentication of its own: it listens on 127.0.0.1 unless told otherwise. Each request is
 * handled by server/api-handler.ts; this file owns the socket and the shutdown.
 */
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { PipelineDeps } from '../pipeline/pipeline-deps.js';
import { createApiHandler, type Exchange } from '../server/api-handler.js';
import { requestIdFor } from '../server/request-id.js';
import type { KeyScope } from '../uploads/key-scope.js';

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
  /** 127.0.0.1 unless told otherwise: the API has no authentication of its own. */
  host?: string;
  /** Time for a client to send its request headers (15 s). */
  headersTimeoutMs?: number;
  /**
   * Time for a client to send its whole request, the image included (120 s). The job that follows
   * has its own deadline, `jobTimeoutMs`.
   */
  requestTimeoutMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting connections, lets requests in flight finish (jobs end by their deadline), then closes. */
  close(): Promise<void>;
}

/**
 * Listens for the HTTP API; resolves once the port is bound.
 *
 * @example
 * const config = loadConfig();
 * const deps = await composeDependencies(config);
 * const server = await startServer(deps, { inputPrefix: config.inputPrefix, port: 8000 });
 * // curl --data-binary @a.jpg -H 'content-type: image/jpeg' \
 * //   -H "x-ddx-metadata: $(jq -c . a.jpg.meta.json)" http://127.0.0.1:8000/v1/uploads
 * await server.close(); // lets the requests in flight finish
 * await deps.close();
 */
export async function startServer(deps: PipelineDeps, options: ServerOptions): Promise<RunningServer> {
  const scope: KeyScope = { inputPrefix: options.inputPrefix, derivedPrefix: deps.derivedPrefix };
  const api = createApiHandler(deps, { scope, maxConcurrentJobs: options.maxConcurrentJobs ?? 4 });
  const logger = deps.logger;
  /** Requests being handled, with their responses: shutdown waits for them. */
  const inFlight = new Map<Promise<unknown>, ServerResponse>();
  let closing = false;

  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs ?? 15_000,
      requestTimeout: options.requestTimeoutMs ?? 120_000,
    },
    (request, response) => {
      const started = performance.now();
      const exchange: Exchange = {
        request,
        response,
        requestId: requestIdFor(request.headers['x-request-id']),
        route: null,
      };
      response.setHeader('x-request-id', exchange.requestId);
      if (closing) response.setHeader('connection', 'close');
      const answered = new Promise<void>((resolve) =>
        response.once('close', () => {
          api.logRequest(exchange, Math.round(performance.now() - started));
          resolve();
        }),
      );
      const handled = api.handle(exchange).catch((error: unknown) => api.answerError(exchange, error));
      // Shutdown waits for both: the job's record is stored and the answer is on its way.
      const done: Promise<unknown> = Promise.allSettled([handled, answered]).then(() =>
        inFlight.delete(done),
      );
      inFlight.set(done, response);
    },
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
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
  }

  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(options.host ?? '127.0.0.1')}:${port}`;
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
