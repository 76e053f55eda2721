/**
 * A loopback stand-in for the OpenAI chat-completions API (`POST /v1/chat/completions`), shaped
 * like the real one: bearer auth, the request validated, answers and errors in OpenAI's JSON.
 * Each test scripts its answers in order; once the script runs out it answers with a valid
 * recommendation built from the findings in the request. Every request is recorded.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Recommendation } from '../../src/domain.js';
import { ScriptedReplies } from './scripted-replies.js';

export type OpenAiScriptStep =
  | { kind: 'recommendation'; change?: (recommendation: Recommendation) => unknown }
  | { kind: 'content'; content: string }
  | { kind: 'error'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'hang' };

/** The answers a test can script, one per request. */
export const openAiReplies = {
  /** A valid recommendation fitting the request's findings. */
  recommendation: (): OpenAiScriptStep => ({ kind: 'recommendation' }),
  /** The fitting recommendation, changed (a schema violation, an invented code). */
  changedRecommendation: (change: (recommendation: Recommendation) => unknown): OpenAiScriptStep => ({
    kind: 'recommendation',
    change,
  }),
  /** Any assistant text, for example invalid JSON. */
  content: (content: string): OpenAiScriptStep => ({ kind: 'content', content }),
  error: (
    status: number,
    message: string,
    type: string,
    code: string | null = null,
    param: string | null = null,
  ) => errorStep(status, { error: { message, type, param, code } }),
  throttled: (retryAfterSeconds: number): OpenAiScriptStep =>
    errorStep(
      429,
      {
        error: {
          message: 'Rate limit reached for requests',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
      { 'retry-after': String(retryAfterSeconds) },
    ),
  serverError: (): OpenAiScriptStep =>
    errorStep(500, {
      error: {
        message: 'The server had an error while processing your request.',
        type: 'server_error',
        param: null,
        code: null,
      },
    }),
  /** What a server without strict structured output answers (vLLM and older OpenAI-compatible servers). */
  rejectJsonSchema: (): OpenAiScriptStep =>
    errorStep(400, {
      error: {
        message:
          "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
        type: 'invalid_request_error',
        param: 'response_format',
        code: null,
      },
    }),
  /** Never answers: the client's timeout must end the call. */
  hang: (): OpenAiScriptStep => ({ kind: 'hang' }),
};

function errorStep(status: number, body: unknown, headers?: Record<string, string>): OpenAiScriptStep {
  return { kind: 'error', status, body, headers };
}

const chatRequestSchema = z.object({
  model: z.string().min(1),
  messages: z
    .array(z.object({ role: z.enum(['system', 'developer', 'user', 'assistant']), content: z.string() }))
    .min(1),
  temperature: z.number().min(0).max(2).optional(),
  response_format: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({
        type: z.literal('json_schema'),
        json_schema: z.object({
          name: z.string(),
          strict: z.boolean().optional(),
          schema: z.record(z.string(), z.unknown()),
        }),
      }),
    ])
    .optional(),
});
export type ChatRequestBody = z.infer<typeof chatRequestSchema>;

export interface RecordedChatRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Undefined when the body was not a valid chat-completions request (answered with a 400). */
  body: ChatRequestBody | undefined;
  rawBody: string;
}

export class LoopbackOpenAiServer extends ScriptedReplies<OpenAiScriptStep, RecordedChatRequest> {
  private readonly server = createServer((request, response) => {
    this.handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });

  /** @param answeredModel the model name the server reports, as OpenAI reports a dated snapshot. */
  constructor(private readonly answeredModel?: string) {
    super();
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** What the OpenAI SDK takes as `baseURL`. */
  get baseURL(): string {
    return `${this.url}/v1`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readBody(request);
    const parsed = chatRequestSchema.safeParse(safeJson(rawBody));
    this.requests.push({
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body: parsed.success ? parsed.data : undefined,
      rawBody,
    });
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      return sendJson(response, 404, {
        error: { message: 'Unknown route', type: 'invalid_request_error', param: null, code: null },
      });
    }
    if (!/^Bearer \S+$/.test(request.headers.authorization ?? '')) {
      return sendJson(response, 401, {
        error: {
          message: 'Missing bearer token',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
    }
    if (!parsed.success) {
      return sendJson(response, 400, {
        error: {
          message: z.prettifyError(parsed.error),
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      });
    }
    const step = this.next(openAiReplies.recommendation());
    switch (step.kind) {
      case 'hang':
        return;
      case 'error':
        return sendJson(response, step.status, step.body, step.headers);
      case 'content':
        return sendJson(response, 200, this.completion(parsed.data, rawBody, step.content));
      case 'recommendation': {
        const recommendation = recommendationForFindings(userText(parsed.data));
        const content = JSON.stringify(step.change ? step.change(recommendation) : recommendation);
        return sendJson(response, 200, this.completion(parsed.data, rawBody, content));
      }
    }
  }

  private completion(body: ChatRequestBody, rawBody: string, content: string) {
    const promptTokens = Math.ceil(rawBody.length / 4);
    const completionTokens = Math.ceil(content.length / 4);
    return {
      id: `chatcmpl-${this.requests.length}`,
      object: 'chat.completion',
      created: 1_700_000_000,
      model: this.answeredModel ?? body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    };
  }
}

function userText(body: ChatRequestBody): string {
  return body.messages
    .filter((message) => message.role === 'user')
    .map((message) => message.content)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Fixtures shared with the Bedrock stand-in and the LLM recommender tests.

/** The ranked labels as `promptVariables` writes them into the findings JSON. */
export function labelsInFindings(text: string): { label: string; probability: number }[] {
  return [...text.matchAll(/"label":\s*"([^"]+)",\s*"probability":\s*([0-9.eE-]+)/g)].map((match) => ({
    label: match[1] ?? '',
    probability: Number(match[2]),
  }));
}

/** What a well-behaved model answers: the labels as differentials, uncertainty for close calls. */
export function recommendationForFindings(text: string): Recommendation {
  const labels = labelsInFindings(text);
  const [top, second] = labels;
  const percent = (probability: number) => `${Math.round(probability * 100)}%`;
  const closeCall = top !== undefined && second !== undefined && top.probability - second.probability < 0.15;
  const weak = top !== undefined && top.probability < 0.5;
  const differentials = labels
    .filter((score) => score.probability >= 0.05)
    .slice(0, 5)
    .map((score) => ({
      condition: score.label,
      likelihood:
        score.probability >= 0.6
          ? ('high' as const)
          : score.probability >= 0.25
            ? ('moderate' as const)
            : ('low' as const),
      rationale: `The image classifier gave ${percent(score.probability)}.`,
      icd10cm: [],
    }));
  return {
    differentials:
      differentials.length > 0
        ? differentials
        : [
            {
              condition: 'unclassified finding',
              likelihood: 'low',
              rationale: 'No findings were given.',
              icd10cm: [],
            },
          ],
    followUpTests: [
      { test: 'Dermoscopy', rationale: `To confirm or exclude ${top?.label ?? 'the finding'}.` },
    ],
    treatmentConsiderations: [],
    redFlags: [{ flag: 'Rapid change in size, shape or colour', rationale: 'Calls for urgent referral.' }],
    uncertainty:
      top && (closeCall || weak)
        ? `${top.label} at ${percent(top.probability)} is not clearly ahead${second ? ` of ${second.label} at ${percent(second.probability)}` : ''}.`
        : null,
    disclaimer: 'Decision support for clinician review.',
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers, shared with the Bedrock stand-in.

/** Any request stream: node:http's and node:http2's. */
export async function readBody(request: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The part of node:http's and node:http2's responses that sending JSON needs. */
export interface JsonResponse {
  writeHead(status: number, headers: Record<string, string>): { end(body: string): unknown };
}

export function sendJson(
  response: JsonResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
