/**
 * `ddx serve-models`: the routing table's local models behind the two remote-model contracts the
 * pipeline speaks, so the SageMaker and Roboflow adapters can be run end to end on one machine,
 * and so the same models can be deployed as a SageMaker container (`GET /ping`,
 * `POST /invocations` on port 8080).
 *
 * ```
 * GET  /ping                              -> 200, empty body (SageMaker health check)
 * POST /invocations                       -> model from X-Amzn-SageMaker-Target-Model or the default
 * POST /endpoints/{name}/invocations      -> SageMaker runtime API: the endpoint name is the model
 * POST /{project}/{version}?api_key=..    -> Roboflow detect API: the project is the model
 * GET|POST /v2/...                        -> Open Inference Protocol v2 (KServe, Triton): see kserve-contract.ts
 * ```
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RoutingTable } from '../clinical/routing-table.js';
import { ConfigurationError } from '../errors.js';
import type { Logger, ModelProvider } from '../ports.js';
import { silentLogger } from '../ports.js';
import { handleV2Request } from './kserve-contract.js';
import { replyJson } from './reply-json.js';
import { handleRoboflowDetect } from './roboflow-contract.js';
import { handleSageMakerInvocation } from './sagemaker-contract.js';
import { type ServedModels, servedModels } from './served-models.js';

export interface ModelServerSettings {
  models: ModelProvider;
  table: RoutingTable;
  /** 8080 is what SageMaker expects of a container; 0 picks a free port. */
  port?: number;
  /** Defaults to every interface, as a SageMaker container must listen. */
  host?: string;
  /** The model `POST /invocations` runs when no target model is named. */
  defaultModel?: string;
  /** When set, the Roboflow path requires it as `api_key`. */
  apiKey?: string;
  /** Names the models answer to besides their ids: name -> model id (remote-model-names.ts). */
  otherNames?: ReadonlyMap<string, string>;
  logger?: Logger;
}

export interface RunningModelServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * @example
 * const table = await loadRoutingTable('models/routes.yaml');
 * const server = await startModelServer({ models: routedModelProvider(table), table, port: 8080 });
 * // AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME=http://127.0.0.1:8080 or ROBOFLOW_API_URL=http://127.0.0.1:8080
 */
export async function startModelServer(settings: ModelServerSettings): Promise<RunningModelServer> {
  const models = servedModels(settings.models, settings.table, settings.otherNames);
  const logger = settings.logger ?? silentLogger;
  const defaultModel = settings.defaultModel ?? (models.ids.length === 1 ? models.ids[0] : undefined);
  if (settings.defaultModel !== undefined && !models.has(settings.defaultModel)) {
    throw new ConfigurationError(
      `default model "${settings.defaultModel}" is not in the routing table (${models.ids.join(', ')})`,
    );
  }

  const server = createServer((request, response) => {
    const started = Date.now();
    // The query is never logged: the Roboflow path carries the api_key there.
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    response.on('finish', () =>
      logger.info('model server request', {
        method: request.method,
        path,
        status: response.statusCode,
        ms: Date.now() - started,
      }),
    );
    route(request, response, { models, defaultModel, apiKey: settings.apiKey, logger }).catch(
      (error: unknown) => {
        logger.error('model server route failed', { path, error: (error as Error).message });
        if (!response.headersSent) replyJson(response, 500, { message: 'internal error' });
        else response.destroy();
      },
    );
  });
  server.listen(settings.port ?? 8080, settings.host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => Promise.reject(error)),
  ]);

  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(settings.host)}:${port}`;
  logger.info('model server listening', { url, models: models.names.join(',') });
  return {
    url,
    port,
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
      await models.close();
    },
  };
}

interface RouteContext {
  models: ServedModels;
  defaultModel: string | undefined;
  apiKey: string | undefined;
  logger: Logger;
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  const segments = pathSegments(url.pathname);
  if (!segments) return replyJson(response, 400, { message: 'the path is not valid percent-encoding' });

  if (segments[0] === 'v2')
    return handleV2Request(request, response, segments, context.models, context.logger);
  if (url.pathname === '/ping') {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(response, 'GET');
    response.writeHead(200, { 'content-length': '0' }).end();
    return;
  }
  if (url.pathname === '/invocations') {
    if (method !== 'POST') return methodNotAllowed(response, 'POST');
    return handleSageMakerInvocation(
      request,
      response,
      context.models,
      { defaultModel: context.defaultModel },
      context.logger,
    );
  }
  const [first, second, third, ...rest] = segments;
  if (first === 'endpoints' && second !== undefined && third === 'invocations' && rest.length === 0) {
    if (method !== 'POST') return methodNotAllowed(response, 'POST');
    return handleSageMakerInvocation(
      request,
      response,
      context.models,
      { endpointName: second },
      context.logger,
    );
  }
  if (first !== undefined && second !== undefined && third === undefined) {
    if (method !== 'POST') return methodNotAllowed(response, 'POST');
    return handleRoboflowDetect(
      request,
      response,
      context.models,
      { project: first, query: url.searchParams, apiKey: context.apiKey },
      context.logger,
    );
  }
  replyJson(response, 404, { message: `no route for ${method} ${url.pathname}` });
}

function pathSegments(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

function methodNotAllowed(response: ServerResponse, allow: string): void {
  replyJson(response, 405, { message: `use ${allow}` }, { allow });
}

function urlHost(host: string | undefined): string {
  if (host === undefined || host === '' || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
