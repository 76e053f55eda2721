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
 * authentication of its own: it listens on 127.0.0.1 unless told otherwise.
 *
 * @example
 * const deps = await composeDependencies(loadConfig());
 * const server = await startServer(deps, { inputPrefix: 'uploads/', port: 8000 });
 * // curl --data-binary @a.jpg -H 'content-type: image/jpeg' \
 * //   -H "x-ddx-metadata: $(jq -c . a.jpg.meta.json)" http://127.0.0.1:8000/v1/uploads
 * await server.close();
 * await deps.close();
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DdxError, PipelineStep } from '../errors.js';
import { replyJson } from '../http/reply-json.js';
import type { PipelineDeps } from '../pipeline/pipeline-deps.js';
import { runInference } from '../pipeline/run-inference.js';
import { HttpError, type HttpErrorBody, RequestErrorCode } from '../server/http-error.js';
import { type Reply, replyForOutcome, replyForThrownError } from '../server/inference-reply.js';
import { maxJobRequestBytes, parseJobRequest } from '../server/job-request.js';
import { isPlausibleRecordId, parseRecordsQuery } from '../server/records-query.js';
import { readRequestBody } from '../server/request-body.js';
import { requestIdFor } from '../server/request-id.js';
import { matchRoute } from '../server/routes.js';
import { parseUploadRequest } from '../server/upload-request.js';
import type { KeyScope } from '../uploads/key-scope.js';
import { storeUpload } from '../uploads/store-upload.js';

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

/** What one request's handling knows; `route` is filled in once the path matched a pattern. */
interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  requestId: string;
  route: string | null;
}

export async function startServer(deps: PipelineDeps, options: ServerOptions): Promise<RunningServer> {
  const scope: KeyScope = { inputPrefix: options.inputPrefix, derivedPrefix: deps.derivedPrefix };
  const logger = deps.logger;
  /** Requests being handled, with their responses: shutdown waits for them. */
  const inFlight = new Map<Promise<unknown>, ServerResponse>();
  let closing = false;
  const maxConcurrentJobs = options.maxConcurrentJobs ?? 4;
  let jobsRunning = 0;

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
          logRequest(exchange, Math.round(performance.now() - started));
          resolve();
        }),
      );
      const handled = handle(exchange).catch((error: unknown) => answerError(exchange, error));
      // Shutdown waits for both: the job's record is stored and the answer is on its way.
      const done: Promise<unknown> = Promise.allSettled([handled, answered]).then(() =>
        inFlight.delete(done),
      );
      inFlight.set(done, response);
    },
  );

  function logRequest({ request, response, requestId, route }: Exchange, durationMs: number): void {
    const fields = {
      requestId,
      method: request.method,
      route,
      status: response.statusCode,
      durationMs,
      // The client left before the answer was complete; a job it started still ends as a record.
      clientGone: response.writableFinished ? undefined : true,
    };
    if (response.statusCode >= 500) logger.warn('http request', fields);
    else logger.info('http request', fields);
  }

  async function handle(exchange: Exchange): Promise<void> {
    const { request, response } = exchange;
    const target = request.url ?? '/';
    if (!URL.canParse(target, 'http://localhost')) {
      throw new HttpError(400, RequestErrorCode.invalidRequest, 'the request target is not a valid URL');
    }
    const url = new URL(target, 'http://localhost');
    const match = matchRoute(request.method ?? 'GET', url.pathname);
    if (match.kind === 'not-found') {
      throw new HttpError(404, RequestErrorCode.notFound, 'no such route: the API is under /v1');
    }
    exchange.route = match.pattern;
    if (match.kind === 'method-not-allowed') {
      throw new HttpError(405, RequestErrorCode.methodNotAllowed, `use ${match.allow}`, {
        allow: match.allow,
      });
    }
    switch (match.name) {
      case 'health':
        return send(response, { status: 200, headers: {}, body: { status: 'ok' } });
      case 'upload':
        return withJobSlot(async () => {
          const upload = parseUploadRequest(request, url.searchParams, scope);
          const image = await readRequestBody(request, deps.limits.maxImageBytes);
          await storeUpload(deps.blobStore, { ...upload, image });
          send(response, await runJob(upload.key, exchange));
        });
      case 'job':
        return withJobSlot(async () => {
          const body = await readRequestBody(request, maxJobRequestBytes);
          const key = parseJobRequest(request.headers['content-type'], body, scope);
          send(response, await runJob(key, exchange));
        });
      case 'get-record': {
        const id = match.params.id ?? '';
        const record = isPlausibleRecordId(id) ? await deps.resultStore.get(id) : undefined;
        if (!record) throw new HttpError(404, RequestErrorCode.recordNotFound, 'no record with this id');
        return send(response, { status: 200, headers: {}, body: { record } });
      }
      case 'list-records': {
        const records = await deps.resultStore.list(parseRecordsQuery(url.searchParams));
        return send(response, { status: 200, headers: {}, body: { records } });
      }
    }
  }

  async function withJobSlot(work: () => Promise<void>): Promise<void> {
    if (jobsRunning >= maxConcurrentJobs) {
      throw new HttpError(
        503,
        RequestErrorCode.busy,
        `${maxConcurrentJobs} jobs are running: try again shortly`,
        {
          'retry-after': '1',
        },
      );
    }
    jobsRunning++;
    try {
      await work();
    } finally {
      jobsRunning--;
    }
  }

  async function runJob(key: string, exchange: Exchange): Promise<Reply> {
    const job = { source: { key }, requestId: exchange.requestId, trigger: 'http' } as const;
    try {
      return replyForOutcome(await runInference(job, deps));
    } catch (error) {
      // What escapes runInference ended without a record: the store failed, or another run
      // holds the object (IN_PROGRESS).
      return replyForError(exchange, error, PipelineStep.persist);
    }
  }

  function answerError(exchange: Exchange, error: unknown): void {
    const { request, response } = exchange;
    try {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      // A body left unread (refused early, or cut off) cannot be followed by another request.
      if (!request.complete) response.setHeader('connection', 'close');
      send(response, replyForError(exchange, error, 'request'));
    } catch {
      response.destroy();
    }
  }

  function replyForError(exchange: Exchange, error: unknown, step: HttpErrorBody['step']): Reply {
    if (error instanceof HttpError) {
      return { status: error.status, headers: error.headers, body: { error: error.body } };
    }
    if (!(error instanceof DdxError)) {
      // Name only: a message from outside the pipeline may quote an object key.
      logger.error('http request failed', {
        requestId: exchange.requestId,
        route: exchange.route,
        error: error instanceof Error ? error.name : typeof error,
      });
    }
    return replyForThrownError(error, step);
  }

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

function send(
  response: ServerResponse,
  reply: { status: number; headers: Record<string, string>; body: unknown },
) {
  replyJson(response, reply.status, reply.body, reply.headers);
}

function urlHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
