/**
 * PromptSource on Langfuse prompt management (DESIGN.md section 6), backed by the bundled prompt
 * files: when Langfuse is down, hangs, answers an error or serves a prompt that fails validation,
 * the bundled copy is served marked `isFallback: true` instead of failing the job.
 *
 * @example
 * const prompts = createLangfusePromptSource({
 *   baseUrl: 'https://cloud.langfuse.com',
 *   publicKey: 'pk-lf-...', // config.promptSource (LANGFUSE_PUBLIC_KEY)
 *   secretKey: 'sk-lf-...',
 *   fallback: createFilePromptSource({ directory: 'prompts' }),
 * });
 * const prompt = await prompts.get('ddx-recommendations'); // label `production`, cached 60 s
 */
import { LangfuseClient } from '@langfuse/client';
import { z } from 'zod';
import type { ChatMessage, Prompt } from '../../domain.js';
import {
  ConfigurationError,
  DdxError,
  DeadlineExceededError,
  DependencyError,
  ServiceErrorCode,
} from '../../errors.js';
import type { CallOptions, Logger, PromptSource } from '../../ports.js';
import { silentLogger } from '../../ports.js';
import { errorFromHttpStatus, errorFromNetworkFailure } from '../../resilience/http-errors.js';
import { assertPromptName } from './files.js';

export interface LangfusePromptSourceSettings {
  baseUrl: string;
  publicKey: string;
  secretKey: string;
  /** The deployment label to fetch; `production` by default. Ignored when `version` is set. */
  label?: string;
  /** Pins one prompt version; wins over `label`. */
  version?: number;
  /**
   * How long a fetched prompt is served from memory; 60 by default, 0 fetches every time. After
   * it, the SDK serves the cached prompt while it refreshes in the background, and keeps serving it
   * while refreshes fail.
   */
  cacheTtlSeconds?: number;
  /** Timeout of one request to Langfuse; 3000 by default. */
  fetchTimeoutMs?: number;
  /** Served, marked `isFallback: true`, whenever Langfuse cannot serve a valid prompt. */
  fallback: PromptSource;
  /** Created from the keys above when absent. */
  client?: LangfuseClient;
  /** Told why a fallback was served. */
  logger?: Logger;
}

const defaultLabel = 'production';
const defaultCacheTtlSeconds = 60;
const defaultFetchTimeoutMs = 3_000;
/** One retry: the SDK retries only 408, 429 and 5xx answers, never timeouts or refused connections. */
const maxRetries = 1;
/** The SDK waits about 1 s (±10 %) before its first retry when the answer has no `Retry-After`. */
const retryDelayAllowanceMs = 1_500;

/** Same rule as the bundled files, so a name that could not have a fallback never reaches Langfuse. */

export function createLangfusePromptSource(settings: LangfusePromptSourceSettings): PromptSource {
  const selector = promptSelector(settings);
  const cacheTtlSeconds = settings.cacheTtlSeconds ?? defaultCacheTtlSeconds;
  const fetchTimeoutMs = settings.fetchTimeoutMs ?? defaultFetchTimeoutMs;
  if (!(cacheTtlSeconds >= 0)) throw new ConfigurationError(`cacheTtlSeconds must be 0 or more`);
  // The SDK reads 0 as "no timeout given" and then waits 60 s.
  if (!(fetchTimeoutMs > 0)) throw new ConfigurationError(`fetchTimeoutMs must be more than 0`);
  const client =
    settings.client ??
    new LangfuseClient({
      baseUrl: settings.baseUrl,
      publicKey: nonEmpty(settings.publicKey, 'publicKey'),
      secretKey: nonEmpty(settings.secretKey, 'secretKey'),
    });
  const logger = settings.logger ?? silentLogger;
  // The SDK's fetch timeout ends when the response headers arrive and it honours `Retry-After` up to
  // 60 s, so the whole call gets its own bound.
  const budgetMs = fetchTimeoutMs * (maxRetries + 1) + retryDelayAllowanceMs;

  // The SDK's own `fallback` option is not used: its fallback has version 0 and an empty config,
  // where the bundled file has both.
  async function fetchFromLangfuse(name: string, signal: AbortSignal | undefined): Promise<Prompt> {
    const fetched = await settleWithin(
      client.prompt.get(name, { ...selector, cacheTtlSeconds, fetchTimeoutMs, maxRetries }),
      budgetMs,
      signal,
    );
    return promptFromLangfuse(fetched, name, selector.label);
  }

  async function servedFromFallback(name: string, failure: DdxError, options?: CallOptions): Promise<Prompt> {
    let bundled: Prompt;
    try {
      bundled = await settings.fallback.get(name, options);
    } catch (fallbackError) {
      const reason = fallbackError instanceof Error ? fallbackError.message : String(fallbackError);
      // Retriable when Langfuse may come back (outage); not when it answered that the prompt is absent.
      throw new DdxError(`prompt "${name}": ${failure.message}; and no bundled fallback: ${reason}`, {
        code: failure.code,
        retriable: failure.retriable,
        cause: failure,
      });
    }
    logger.warn('serving the bundled prompt: Langfuse could not serve it', {
      promptName: name,
      fallbackVersion: bundled.version,
      code: failure.code,
      reason: failure.message,
    });
    return { ...bundled, isFallback: true };
  }

  return {
    name: 'langfuse',
    async get(name, options) {
      assertPromptName(name);
      const signal = options?.signal;
      if (signal?.aborted) throw new DeadlineExceededError(undefined, signal.reason);
      try {
        return await fetchFromLangfuse(name, signal);
      } catch (error) {
        if (signal?.aborted) throw new DeadlineExceededError(undefined, error);
        return servedFromFallback(name, langfuseFailure(error), options);
      }
    },
  };
}

type PromptSelector = { version: number; label?: undefined } | { label: string; version?: undefined };

function promptSelector(settings: LangfusePromptSourceSettings): PromptSelector {
  if (settings.version !== undefined) {
    if (!Number.isInteger(settings.version) || settings.version < 1) {
      throw new ConfigurationError(
        `Langfuse prompt version must be a positive integer, got ${settings.version}`,
      );
    }
    return { version: settings.version };
  }
  return { label: nonEmpty(settings.label ?? defaultLabel, 'label') };
}

function nonEmpty(value: string, setting: string): string {
  if (value.trim() === '') throw new ConfigurationError(`Langfuse ${setting} is empty`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// The prompt the SDK returns: edited in Langfuse's UI, so untrusted input.

const langfuseChatMessageSchema = z.object({
  type: z.literal('chatmessage').optional(),
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

const langfusePlaceholderSchema = z.object({ type: z.literal('placeholder'), name: z.string() });

const langfusePromptFields = {
  name: z.string().min(1),
  version: z.number().int().positive(),
  // Langfuse stores `{}` when no config was given; older prompts may carry null.
  config: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((config) => config ?? {}),
  labels: z.array(z.string()),
};

const langfusePromptSchema = z.discriminatedUnion('type', [
  z.object({ ...langfusePromptFields, type: z.literal('text'), prompt: z.string().min(1) }),
  z.object({
    ...langfusePromptFields,
    type: z.literal('chat'),
    prompt: z.array(z.union([langfusePlaceholderSchema, langfuseChatMessageSchema])).min(1),
  }),
]);

function promptFromLangfuse(fetched: unknown, name: string, label: string | undefined): Prompt {
  const parsed = langfusePromptSchema.safeParse(fetched);
  if (!parsed.success) throw invalidPrompt(name, z.prettifyError(parsed.error));
  const data = parsed.data;
  if (data.name !== name) throw invalidPrompt(name, `Langfuse returned the prompt "${data.name}"`);
  const common = { name, version: data.version, config: data.config, labels: data.labels };
  const fetchedBy = label === undefined ? {} : { label };
  if (data.type === 'text')
    return { ...common, type: 'text', prompt: data.prompt, ...fetchedBy, isFallback: false };

  const messages: ChatMessage[] = [];
  for (const message of data.prompt) {
    // A placeholder expects the caller to splice in messages; no recommender does, and a silently
    // dropped one would change what the model is told.
    if (message.type === 'placeholder') {
      throw invalidPrompt(
        name,
        `chat prompt has a placeholder "${message.name}", which DDx Assist never fills`,
      );
    }
    messages.push({ role: message.role, content: message.content });
  }
  return { ...common, type: 'chat', prompt: messages, ...fetchedBy, isFallback: false };
}

function invalidPrompt(name: string, reason: string): DependencyError {
  return new DependencyError(`Langfuse prompt "${name}" is invalid: ${reason}`, {
    code: ServiceErrorCode.invalidConfiguration,
    retriable: false,
  });
}

// ---------------------------------------------------------------------------------------------
// What the SDK throws: `LangfuseAPIError` (from @langfuse/core) with `statusCode` for HTTP answers;
// without it for refused connections ("fetch failed") and for its own timeout, whose message is the
// abort reason `"timeout"` (its `LangfuseAPITimeoutError` is never thrown for fetches).

const sdkHttpErrorSchema = z.object({ statusCode: z.number().int(), body: z.unknown() });
const operation = 'Langfuse GET prompt';

function langfuseFailure(error: unknown): DdxError {
  if (error instanceof DdxError) return error;
  const http = sdkHttpErrorSchema.safeParse(error);
  if (http.success) return errorFromHttpStatus(operation, http.data.statusCode, errorDetail(http.data.body));
  if (error instanceof Error && /timeout/i.test(error.message)) {
    return new DependencyError(`${operation} timed out`, {
      code: ServiceErrorCode.dependencyTimeout,
      retriable: true,
      cause: error,
    });
  }
  return errorFromNetworkFailure(operation, error);
}

function errorDetail(body: unknown): string {
  const withMessage = z.object({ message: z.string() }).safeParse(body);
  if (withMessage.success) return withMessage.data.message;
  return typeof body === 'string' ? body : '';
}

/** Settles as `work` does, or rejects when the budget runs out or the job's deadline passes. */
function settleWithin<T>(work: Promise<T>, budgetMs: number, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const timer = setTimeout(() => {
      const timedOut = new DependencyError(`${operation} did not finish within ${budgetMs} ms`, {
        code: ServiceErrorCode.dependencyTimeout,
        retriable: true,
      });
      finish(() => reject(timedOut));
    }, budgetMs);
    const onAbort = () => finish(() => reject(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}
