/**
 * A loopback stand-in for Bedrock's Converse API (`POST /model/{modelId}/converse`), for the real
 * `@aws-sdk/client-bedrock-runtime` pointed at it with `endpoint`. It speaks HTTP/2 (cleartext),
 * because the client's default handler is HTTP/2 only. It accepts any SigV4 signature,
 * validates the request body, answers with a forced tool call (`stopReason: 'tool_use'`) and
 * signals errors the way AWS does: an `x-amzn-errortype` header and a JSON `{ message }`, which
 * the SDK turns into its exception classes. Every request is recorded.
 */
import { once } from 'node:events';
import {
  createServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
  type IncomingHttpHeaders,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Recommendation } from '../../src/domain.js';
import { readBody, recommendationForFindings, safeJson, sendJson } from './loopback-openai-server.js';
import { ScriptedReplies } from './scripted-replies.js';

export type BedrockScriptStep =
  | { kind: 'recommendation'; change?: (recommendation: Recommendation) => unknown }
  | { kind: 'text'; text: string }
  | { kind: 'error'; status: number; errorType: string; message: string; headers?: Record<string, string> }
  | { kind: 'hang' };

export const bedrockReplies = {
  /** A tool call whose input is a valid recommendation fitting the findings. */
  recommendation: (): BedrockScriptStep => ({ kind: 'recommendation' }),
  /** The fitting recommendation as tool input, changed (a schema violation, an invented code). */
  changedRecommendation: (change: (recommendation: Recommendation) => unknown): BedrockScriptStep => ({
    kind: 'recommendation',
    change,
  }),
  /** A plain text answer instead of the tool call. */
  text: (text: string): BedrockScriptStep => ({ kind: 'text', text }),
  error: (
    status: number,
    errorType: string,
    message: string,
    headers?: Record<string, string>,
  ): BedrockScriptStep => ({
    kind: 'error',
    status,
    errorType,
    message,
    headers,
  }),
  throttled: (): BedrockScriptStep =>
    bedrockReplies.error(429, 'ThrottlingException', 'Too many requests, please wait before trying again.'),
  serviceUnavailable: (): BedrockScriptStep =>
    bedrockReplies.error(503, 'ServiceUnavailableException', 'Bedrock is unable to process your request.'),
  hang: (): BedrockScriptStep => ({ kind: 'hang' }),
};

const contentBlockSchema = z.union([
  z.object({ text: z.string() }).strict(),
  z.object({ toolUse: z.object({ toolUseId: z.string(), name: z.string(), input: z.unknown() }) }).strict(),
  z
    .object({
      toolResult: z.object({
        toolUseId: z.string(),
        content: z.array(z.object({ text: z.string() })),
        status: z.enum(['success', 'error']).optional(),
      }),
    })
    .strict(),
]);

const converseRequestSchema = z.object({
  messages: z
    .array(z.object({ role: z.enum(['user', 'assistant']), content: z.array(contentBlockSchema).min(1) }))
    .min(1),
  system: z.array(z.object({ text: z.string() })).optional(),
  inferenceConfig: z
    .object({ temperature: z.number().min(0).max(1).optional(), maxTokens: z.number().int().optional() })
    .optional(),
  toolConfig: z
    .object({
      tools: z.array(
        z.object({
          toolSpec: z.object({
            name: z.string(),
            description: z.string().optional(),
            inputSchema: z.object({ json: z.record(z.string(), z.unknown()) }),
          }),
        }),
      ),
      toolChoice: z
        .union([
          z.object({ tool: z.object({ name: z.string() }) }),
          z.object({ any: z.object({}) }),
          z.object({ auto: z.object({}) }),
        ])
        .optional(),
    })
    .optional(),
});
export type ConverseRequestBody = z.infer<typeof converseRequestSchema>;

export interface RecordedConverseRequest {
  method: string;
  path: string;
  /** The model id from the path, URL-decoded. */
  modelId: string;
  headers: IncomingHttpHeaders;
  /** Undefined when the body was not a valid Converse request (answered with a ValidationException). */
  body: ConverseRequestBody | undefined;
  rawBody: string;
}

export class LoopbackBedrockServer extends ScriptedReplies<BedrockScriptStep, RecordedConverseRequest> {
  private readonly sessions = new Set<Http2Session>();
  private readonly server = createServer((request, response) => {
    this.handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  }).on('session', (session) => {
    this.sessions.add(session);
    session.on('close', () => this.sessions.delete(session));
  });

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    // Hung requests keep their sessions open: end them, or close() would wait for them.
    for (const session of this.sessions) session.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(request: Http2ServerRequest, response: Http2ServerResponse): Promise<void> {
    const rawBody = await readBody(request);
    const parsed = converseRequestSchema.safeParse(safeJson(rawBody));
    const route = /^\/model\/([^/]+)\/converse$/.exec(request.url ?? '');
    this.requests.push({
      method: request.method ?? '',
      path: request.url ?? '',
      modelId: route?.[1] ? decodeURIComponent(route[1]) : '',
      headers: request.headers,
      body: parsed.success ? parsed.data : undefined,
      rawBody,
    });
    if (request.method !== 'POST' || !route) {
      return sendError(response, 404, 'UnknownOperationException', 'Unknown operation');
    }
    // Any credentials will do, but the request must be SigV4-signed as the real service demands.
    if (!(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=')) {
      return sendError(response, 403, 'AccessDeniedException', 'Missing Authentication Token');
    }
    if (!parsed.success)
      return sendError(response, 400, 'ValidationException', z.prettifyError(parsed.error));

    const step = this.next(bedrockReplies.recommendation());
    switch (step.kind) {
      case 'hang':
        return;
      case 'error':
        return sendError(response, step.status, step.errorType, step.message, step.headers);
      case 'text':
        return sendJson(response, 200, converseAnswer(rawBody, { text: step.text }, 'end_turn'));
      case 'recommendation': {
        const recommendation = recommendationForFindings(userText(parsed.data));
        const input = step.change ? step.change(recommendation) : recommendation;
        const toolName = parsed.data.toolConfig?.tools[0]?.toolSpec.name ?? 'record_recommendation';
        const toolUse = { toolUseId: `tooluse_${this.requests.length}`, name: toolName, input };
        return sendJson(response, 200, converseAnswer(rawBody, { toolUse }, 'tool_use'));
      }
    }
  }
}

function converseAnswer(rawBody: string, block: unknown, stopReason: string) {
  const inputTokens = Math.ceil(rawBody.length / 4);
  const outputTokens = Math.ceil(JSON.stringify(block).length / 4);
  return {
    output: { message: { role: 'assistant', content: [block] } },
    stopReason,
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: 42 },
  };
}

function userText(body: ConverseRequestBody): string {
  return body.messages
    .filter((message) => message.role === 'user')
    .flatMap((message) => message.content.flatMap((block) => ('text' in block ? [block.text] : [])))
    .join('\n');
}

function sendError(
  response: Http2ServerResponse,
  status: number,
  errorType: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { message }, { 'x-amzn-errortype': errorType, ...headers });
}
