/**
 * One HTTP API request, from its route to its JSON answer: the work behind entry/server.ts, which
 * owns the listening socket and the shutdown. Jobs run through `runInference`, at most
 * `maxConcurrentJobs` at once; anything else is answered at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DdxError, PipelineStep } from '../errors.js';
import { replyJson } from '../http/reply-json.js';
import type { OutputSources } from '../outputs/record-output.js';
import type { Job, PipelineDeps } from '../pipeline/pipeline-deps.js';
import { runInference } from '../pipeline/run-inference.js';
import type { KeyScope } from '../uploads/key-scope.js';
import { storeUpload } from '../uploads/store-upload.js';
import { HttpError, type HttpErrorBody, RequestErrorCode } from './http-error.js';
import { type Reply, replyForOutcome, replyForThrownError } from './inference-reply.js';
import { maxJobRequestBytes, parseJobRequest } from './job-request.js';
import { sendRecordDocument } from './record-documents.js';
import { isPlausibleRecordId, parseRecordsQuery } from './records-query.js';
import { readRequestBody } from './request-body.js';
import { matchRoute } from './routes.js';
import { parseUploadRequest } from './upload-request.js';

/** What one request's handling knows; `route` is filled in once the path matched a pattern. */
export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  requestId: string;
  route: string | null;
}

export interface ApiHandler {
  /** Answers the request; throws what `answerError` then turns into an error answer. */
  handle(exchange: Exchange): Promise<void>;
  answerError(exchange: Exchange, error: unknown): void;
  /** The one log line per request: the route pattern, never the path, query, headers or body. */
  logRequest(exchange: Exchange, durationMs: number): void;
}

export function createApiHandler(
  deps: PipelineDeps,
  settings: { scope: KeyScope; maxConcurrentJobs: number; outputs?: OutputSources },
): ApiHandler {
  const slots = { running: 0, max: settings.maxConcurrentJobs };
  const api: Api = { deps, scope: settings.scope, slots, outputs: settings.outputs };
  return {
    handle: (exchange) => handle(api, exchange),
    answerError: (exchange, error) => answerError(api, exchange, error),
    logRequest: (exchange, durationMs) => logRequest(api, exchange, durationMs),
  };
}

interface Api {
  deps: PipelineDeps;
  scope: KeyScope;
  slots: { running: number; max: number };
  /** The sources of the record documents (FHIR, DICOM SR, PDF, image, crop). */
  outputs: OutputSources | undefined;
}

async function handle(api: Api, exchange: Exchange): Promise<void> {
  const { deps, scope } = api;
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
      return withJobSlot(api, async () => {
        const upload = parseUploadRequest(request, url.searchParams, scope);
        const image = await readRequestBody(request, deps.limits.maxImageBytes);
        const version = await storeUpload(deps.blobStore, { ...upload, image });
        // The job reads the version this request stored, whatever other uploads did to the key since.
        send(response, await runJob(api, { key: upload.key, ...version }, exchange));
      });
    case 'job':
      return withJobSlot(api, async () => {
        const body = await readRequestBody(request, maxJobRequestBytes);
        const key = parseJobRequest(request.headers['content-type'], body, scope);
        send(response, await runJob(api, { key }, exchange));
      });
    case 'get-record': {
      const id = match.params.id ?? '';
      const record = isPlausibleRecordId(id) ? await deps.resultStore.get(id) : undefined;
      if (!record) throw new HttpError(404, RequestErrorCode.recordNotFound, 'no record with this id');
      return send(response, { status: 200, headers: {}, body: { record } });
    }
    case 'record-fhir':
    case 'record-dicom-sr':
    case 'record-report':
    case 'record-image':
    case 'record-crop':
      return sendRecordDocument(response, match.name, match.params.id ?? '', api.outputs);
    case 'list-records': {
      const records = await deps.resultStore.list(parseRecordsQuery(url.searchParams));
      return send(response, { status: 200, headers: {}, body: { records } });
    }
  }
}

async function withJobSlot({ slots }: Api, work: () => Promise<void>): Promise<void> {
  if (slots.running >= slots.max) {
    throw new HttpError(503, RequestErrorCode.busy, `${slots.max} jobs are running: try again shortly`, {
      'retry-after': '1',
    });
  }
  slots.running++;
  try {
    await work();
  } finally {
    slots.running--;
  }
}

async function runJob(api: Api, source: Job['source'], exchange: Exchange): Promise<Reply> {
  const job: Job = { source, requestId: exchange.requestId, trigger: 'http' };
  try {
    return replyForOutcome(await runInference(job, api.deps));
  } catch (error) {
    // What escapes runInference ended without a record: the store failed, or another run
    // holds the object (IN_PROGRESS).
    return replyForError(api, exchange, error, PipelineStep.persist);
  }
}

function answerError(api: Api, exchange: Exchange, error: unknown): void {
  const { request, response } = exchange;
  try {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    // A body left unread (refused early, or cut off) cannot be followed by another request.
    if (!request.complete) response.setHeader('connection', 'close');
    send(response, replyForError(api, exchange, error, 'request'));
  } catch {
    response.destroy();
  }
}

function replyForError(api: Api, exchange: Exchange, error: unknown, step: HttpErrorBody['step']): Reply {
  if (error instanceof HttpError) {
    return { status: error.status, headers: error.headers, body: { error: error.body } };
  }
  if (!(error instanceof DdxError)) {
    // Name only: a message from outside the pipeline may quote an object key.
    api.deps.logger.error('http request failed', {
      requestId: exchange.requestId,
      route: exchange.route,
      error: error instanceof Error ? error.name : typeof error,
    });
  }
  return replyForThrownError(error, step);
}

function logRequest(api: Api, { request, response, requestId, route }: Exchange, durationMs: number): void {
  const fields = {
    requestId,
    method: request.method,
    route,
    status: response.statusCode,
    durationMs,
    // The client left before the answer was complete; a job it started still ends as a record.
    clientGone: response.writableFinished ? undefined : true,
  };
  if (response.statusCode >= 500) api.deps.logger.warn('http request', fields);
  else api.deps.logger.info('http request', fields);
}

function send(
  response: ServerResponse,
  reply: { status: number; headers: Record<string, string>; body: unknown },
): void {
  replyJson(response, reply.status, reply.body, reply.headers);
}
