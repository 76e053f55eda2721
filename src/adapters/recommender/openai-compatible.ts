/**
 * Recommender on any OpenAI-compatible chat-completions server: OpenAI, Azure OpenAI (through
 * `baseURL`), vLLM, Ollama (`/v1`), llama.cpp. Asks for structured output, validates every reply
 * with the one recommendation schema, repairs once, and fails closed.
 */
import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai';
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { compileRecommendationPrompt } from '../../clinical/compile-prompt.js';
import type { ChatMessage, RecommendationRequest } from '../../domain.js';
import { DdxError, DependencyError, ServiceErrorCode } from '../../errors.js';
import type { CallOptions, RecommendationResult, Recommender } from '../../ports.js';
import { errorFromHttpStatus, errorFromNetworkFailure } from '../../resilience/http-errors.js';
import {
  defaultRetryPolicy,
  type RetryOptions,
  type RetryPolicy,
  withRetry,
} from '../../resilience/retry.js';
import {
  checkReplyText,
  type ReplyCheck,
  recommendationJsonSchema,
  repairInstruction,
} from '../shared/llm/llm-reply.js';
import { answerWithOneRepair } from '../shared/llm/one-repair.js';
import {
  cappedModelName,
  defaultReplyLimits,
  fetchWithReplyCap,
  type ReplyLimits,
} from '../shared/llm/reply-limits.js';

/** How the server is asked for JSON, strongest first; a server that rejects one gets the next. */
export type StructuredOutputMode = 'json_schema' | 'json_object' | 'none';

export interface OpenAiCompatibleRecommenderSettings {
  /** For example `http://localhost:11434/v1` (Ollama); the OpenAI API when left out. */
  baseURL?: string;
  /** Local servers need none; the SDK refuses to start without one, so a placeholder is sent. */
  apiKey?: string;
  model: string;
  /** A preconfigured client (Azure, proxies); give it `maxRetries: 0`, as `withRetry` retries. */
  client?: OpenAI;
  structuredOutput?: StructuredOutputMode;
  policy?: RetryPolicy;
  fetch?: typeof fetch;
  /** Size caps on the reply and the fields kept from it; `defaultReplyLimits` when absent. */
  limits?: ReplyLimits;
  /** Observes each retry (logs, metrics). */
  onRetry?: RetryOptions['onRetry'];
}

const provider = 'openai-compatible';

/**
 * @example
 * const recommender = createOpenAiCompatibleRecommender({
 *   baseURL: 'http://localhost:11434/v1',
 *   model: 'llama3.1:8b',
 * });
 * const { recommendation } = await recommender.recommend(request, { signal });
 */
export function createOpenAiCompatibleRecommender(
  settings: OpenAiCompatibleRecommenderSettings,
): Recommender {
  const limits = settings.limits ?? defaultReplyLimits;
  const operation = `chat completion (${settings.model})`;
  const client =
    settings.client ??
    new OpenAI({
      baseURL: settings.baseURL,
      apiKey: settings.apiKey ?? 'not-needed',
      maxRetries: 0,
      fetch: fetchWithReplyCap(settings.fetch ?? fetch, limits.maxReplyBytes, operation),
    });
  const policy = settings.policy ?? defaultRetryPolicy;
  // Remembered per instance: a server that rejected a mode once is not asked again.
  let structuredOutput: StructuredOutputMode = settings.structuredOutput ?? 'json_schema';

  async function complete(
    conversation: ChatMessage[],
    temperature: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ChatCompletion> {
    for (;;) {
      const mode = structuredOutput;
      try {
        return await withRetry(
          (attemptSignal) =>
            client.chat.completions.create(requestBody(settings.model, mode, conversation, temperature), {
              signal: attemptSignal,
              maxRetries: 0,
            }),
          {
            policy,
            signal,
            operation,
            toError: (error) => errorFromOpenAi(operation, error),
            onRetry: settings.onRetry,
          },
        );
      } catch (error) {
        const weaker = weakerMode(mode);
        if (weaker === undefined || !rejectsResponseFormat(error)) throw error;
        if (structuredOutput === mode) structuredOutput = weaker;
      }
    }
  }

  return {
    name: provider,
    async recommend(request: RecommendationRequest, options?: CallOptions): Promise<RecommendationResult> {
      const temperature = temperatureOf(request);
      const conversation = compileRecommendationPrompt(request);
      const answer = await answerWithOneRepair<ChatCompletion>(
        {
          ask: () => complete(conversation, temperature, options?.signal),
          repair: (completion, problem) =>
            complete(
              [
                ...conversation,
                { role: 'assistant', content: replyText(completion) },
                { role: 'user', content: repairInstruction(problem) },
              ],
              temperature,
              options?.signal,
            ),
          check: checkCompletion,
          usage: ({ usage }) =>
            usage ? { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } : undefined,
        },
        operation,
      );
      const { recommendation, reply, usage, latencyMs } = answer;
      return {
        recommendation,
        provider,
        model: cappedModelName(operation, reply.model, settings.model, limits.maxModelNameLength),
        ...(usage && { usage }),
        latencyMs,
      };
    },
  };
}

function requestBody(
  model: string,
  mode: StructuredOutputMode,
  conversation: ChatMessage[],
  temperature: number | undefined,
): ChatCompletionCreateParamsNonStreaming {
  const messages = conversation.map(toOpenAiMessage);
  const body: ChatCompletionCreateParamsNonStreaming = {
    model,
    messages: mode === 'json_schema' ? messages : withSchemaInstruction(messages),
  };
  if (temperature !== undefined) body.temperature = temperature;
  if (mode === 'json_schema') {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: 'recommendation', strict: true, schema: recommendationJsonSchema },
    };
  } else if (mode === 'json_object') {
    body.response_format = { type: 'json_object' };
  }
  return body;
}

function toOpenAiMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return { role: 'user', content: message.content };
    case 'assistant':
      return { role: 'assistant', content: message.content };
  }
}

/** Without `json_schema` the schema travels in the system message instead. */
function withSchemaInstruction(messages: ChatCompletionMessageParam[]): ChatCompletionMessageParam[] {
  const instruction = `Answer with one JSON object and nothing else (no Markdown fence). It must satisfy this JSON Schema:\n${JSON.stringify(recommendationJsonSchema)}`;
  const [first, ...rest] = messages;
  if (first?.role === 'system' && typeof first.content === 'string') {
    return [{ role: 'system', content: `${first.content}\n\n${instruction}` }, ...rest];
  }
  return [{ role: 'system', content: instruction }, ...messages];
}

function weakerMode(mode: StructuredOutputMode): StructuredOutputMode | undefined {
  if (mode === 'json_schema') return 'json_object';
  if (mode === 'json_object') return 'none';
  return undefined;
}

/** A server without (strict) structured output says so with a 400 (some with 422) naming it. */
function rejectsResponseFormat(error: unknown): boolean {
  const cause = error instanceof DependencyError ? error.cause : undefined;
  return (
    cause instanceof APIError &&
    (cause.status === 400 || cause.status === 422) &&
    /response_format|json_schema|json_object/i.test(`${cause.message} ${cause.param ?? ''}`)
  );
}

function temperatureOf(request: RecommendationRequest): number | undefined {
  const temperature = request.prompt.config.temperature;
  return typeof temperature === 'number' && temperature >= 0 && temperature <= 2 ? temperature : undefined;
}

function replyText(completion: ChatCompletion | undefined): string {
  return completion?.choices[0]?.message.content ?? '';
}

function checkCompletion(completion: ChatCompletion | undefined): ReplyCheck {
  const message = completion?.choices[0]?.message;
  if (!message?.content && message?.refusal) {
    return { ok: false, problem: `the model refused: ${message.refusal}` };
  }
  return checkReplyText(message?.content);
}

/** SDK errors to typed ones: 429 and 5xx retriable, other 4xx permanent, network trouble retriable. */
export function errorFromOpenAi(operation: string, error: unknown): DdxError {
  // Our own refusals (the reply size cap) come back wrapped by the SDK: keep them as they are.
  const own = [error, (error as { cause?: unknown } | undefined)?.cause].find(
    (candidate) => candidate instanceof DdxError,
  );
  if (own instanceof DdxError) return own;
  if (error instanceof APIConnectionTimeoutError) {
    return new DependencyError(`${operation} timed out`, {
      code: ServiceErrorCode.dependencyTimeout,
      retriable: true,
      cause: error,
    });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const detail = error.message.replace(/^\d{3}\s*/, '');
    const typed = errorFromHttpStatus(operation, error.status, detail, retryAfterOf(error.headers));
    typed.cause = error;
    return typed;
  }
  return errorFromNetworkFailure(operation, error);
}

/** OpenAI also sends `retry-after-ms`; given in seconds, `parseRetryAfter` reads both. */
function retryAfterOf(headers: Headers | undefined): string | null {
  const milliseconds = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(milliseconds)) return String(milliseconds / 1000);
  return headers?.get('retry-after') ?? null;
}
