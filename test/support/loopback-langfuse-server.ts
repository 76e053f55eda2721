/**
 * A stand-in for Langfuse's public prompt API on 127.0.0.1, so the real `@langfuse/client` can be
 * tested without the internet: `GET /api/public/v2/prompts/{urlencoded name}?label=L` or
 * `?version=N`, HTTP basic auth with `publicKey:secretKey`, Langfuse's response and error shapes.
 * Scriptable (fail, hang, answer raw bytes) and it records every request, so tests can count cache
 * hits and retries and read the auth header the SDK sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LangfuseChatMessage =
  | { role: string; content: string; type?: 'chatmessage' }
  | { type: 'placeholder'; name: string };

/** One prompt version as Langfuse stores it. */
export type StoredPrompt = {
  name: string;
  version: number;
  config?: Record<string, unknown> | null;
  labels?: string[];
  tags?: string[];
  commitMessage?: string | null;
} & ({ type: 'text'; prompt: string } | { type: 'chat'; prompt: LangfuseChatMessage[] });

export interface RecordedRequest {
  method: string;
  /** The path as received, still URL-encoded. */
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

/** How the server answers from now on. */
export type LangfuseServerBehaviour =
  | { kind: 'serve' }
  /** Answers `status` to the next `times` requests (every request when absent), then serves again. */
  | { kind: 'fail'; status: number; times?: number; headers?: Record<string, string> }
  /** Accepts the request and never answers. */
  | { kind: 'hang' }
  /** Sends `200` and its headers, then never sends the body. */
  | { kind: 'hang-after-headers' }
  /** Answers these exact bytes with status 200. */
  | { kind: 'raw'; contentType: string; body: string };

export interface LoopbackLangfuseServer {
  /** `http://127.0.0.1:PORT`, the SDK's `baseUrl`. */
  readonly baseUrl: string;
  readonly publicKey: string;
  readonly secretKey: string;
  readonly requests: RecordedRequest[];
  /** Stores a version; its labels move off the prompt's other versions, as in Langfuse. */
  addPrompt(prompt: StoredPrompt): void;
  setBehaviour(behaviour: LangfuseServerBehaviour): void;
  /** Stops listening and drops open connections, hung ones included; closing twice is harmless. */
  close(): Promise<void>;
}

const promptPathPrefix = '/api/public/v2/prompts/';

export async function startLoopbackLangfuseServer(
  keys: { publicKey: string; secretKey: string } = { publicKey: 'pk-lf-test', secretKey: 'sk-lf-test' },
): Promise<LoopbackLangfuseServer> {
  const versionsByName = new Map<string, StoredPrompt[]>();
  const requests: RecordedRequest[] = [];
  const expectedAuthorization = `Basic ${Buffer.from(`${keys.publicKey}:${keys.secretKey}`).toString('base64')}`;
  let behaviour: LangfuseServerBehaviour = { kind: 'serve' };
  let failuresLeft = Number.POSITIVE_INFINITY;

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push({
      method: request.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: request.headers.authorization,
    });

    switch (behaviour.kind) {
      case 'hang':
        return;
      case 'hang-after-headers':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.flushHeaders();
        return;
      case 'raw':
        response.writeHead(200, { 'content-type': behaviour.contentType }).end(behaviour.body);
        return;
      case 'fail':
        if (failuresLeft > 0) {
          failuresLeft--;
          response.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers });
          response.end(JSON.stringify({ error: 'InternalServerError', message: 'scripted failure' }));
          return;
        }
        break;
      case 'serve':
        break;
    }

    if (request.headers.authorization !== expectedAuthorization) {
      sendJson(response, 401, { error: 'UnauthorizedError', message: 'Invalid credentials' });
      return;
    }
    if (request.method !== 'GET') {
      sendJson(response, 405, {
        error: 'MethodNotAllowedError',
        message: `${request.method} is not allowed`,
      });
      return;
    }
    if (!url.pathname.startsWith(promptPathPrefix)) {
      sendJson(response, 404, { error: 'LangfuseNotFoundError', message: `no route ${url.pathname}` });
      return;
    }
    const name = decodeURIComponent(url.pathname.slice(promptPathPrefix.length));
    const label = url.searchParams.get('label');
    const version = url.searchParams.get('version');
    if (label !== null && version !== null) {
      sendJson(response, 400, {
        error: 'InvalidRequestError',
        message: 'Cannot specify both version and label',
      });
      return;
    }
    if (version !== null && !/^[1-9][0-9]*$/.test(version)) {
      sendJson(response, 400, { error: 'InvalidRequestError', message: `invalid version "${version}"` });
      return;
    }
    const versions = versionsByName.get(name) ?? [];
    // Without either, Langfuse serves the `production` version.
    const found =
      version !== null
        ? versions.find((stored) => stored.version === Number(version))
        : versions.find((stored) => (stored.labels ?? []).includes(label ?? 'production'));
    if (!found) {
      const selector = version !== null ? `version ${version}` : `label '${label ?? 'production'}'`;
      sendJson(response, 404, {
        error: 'LangfuseNotFoundError',
        message: `Prompt not found: '${name}' with ${selector}`,
      });
      return;
    }
    sendJson(response, 200, langfusePromptResponse(found));
  }

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    publicKey: keys.publicKey,
    secretKey: keys.secretKey,
    requests,
    addPrompt(prompt) {
      const others = (versionsByName.get(prompt.name) ?? []).filter(
        (stored) => stored.version !== prompt.version,
      );
      const movedLabels = new Set(prompt.labels ?? []);
      const relabelled = others.map((stored) => ({
        ...stored,
        labels: (stored.labels ?? []).filter((label) => !movedLabels.has(label)),
      }));
      versionsByName.set(prompt.name, [...relabelled, structuredClone(prompt)]);
    },
    setBehaviour(next) {
      behaviour = next;
      failuresLeft = next.kind === 'fail' ? (next.times ?? Number.POSITIVE_INFINITY) : 0;
    },
    close() {
      if (!server.listening) return Promise.resolve();
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** The body of `GET /api/public/v2/prompts/{name}`: the fields `@langfuse/core`'s `Prompt` type declares, plus `id`. */
function langfusePromptResponse(prompt: StoredPrompt): Record<string, unknown> {
  return {
    id: `prompt-${prompt.name}-v${prompt.version}`,
    name: prompt.name,
    version: prompt.version,
    type: prompt.type,
    prompt: prompt.prompt,
    config: prompt.config === undefined ? {} : prompt.config,
    labels: prompt.labels ?? [],
    tags: prompt.tags ?? [],
    commitMessage: prompt.commitMessage ?? null,
    resolutionGraph: null,
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
