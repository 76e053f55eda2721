/**
 * Recommender on Amazon Bedrock's Converse API (`POST /model/{modelId}/converse`). JSON comes out
 * through a forced call of one tool whose input schema is the recommendation schema; the tool
 * input is validated with the same zod schema as every other recommender, repaired once, and the
 * adapter fails closed.
 */
import {
  BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  type Message,
  type SystemContentBlock,
  type ToolConfiguration,
  type ToolInputSchema,
} from '@aws-sdk/client-bedrock-runtime';
import { compileRecommendationPrompt } from '../../clinical/compile-prompt.js';
import type { ChatMessage, RecommendationRequest } from '../../domain.js';
import type { CallOptions, RecommendationResult, Recommender } from '../../ports.js';
import {
  defaultRetryPolicy,
  type RetryOptions,
  type RetryPolicy,
  withRetry,
} from '../../resilience/retry.js';
import { awsError, bedrockRuntimeErrors } from '../shared/aws/aws-errors.js';
import {
  checkReplyText,
  checkReplyValue,
  type ReplyCheck,
  recommendationJsonSchema,
} from '../shared/llm/llm-reply.js';
import { answerWithOneRepair } from '../shared/llm/one-repair.js';
import { defaultReplyLimits, type ReplyLimits, replyTooLarge } from '../shared/llm/reply-limits.js';

export interface BedrockRecommenderSettings {
  /** A model id or inference profile, e.g. `anthropic.claude-3-5-sonnet-20240620-v1:0`. */
  modelId: string;
  region?: string;
  /** A preconfigured client; give it `maxAttempts: 1`, as `withRetry` owns retries. */
  client?: BedrockRuntimeClient;
  policy?: RetryPolicy;
  /** Size cap on the reply; `defaultReplyLimits` when absent (the model name is the configured one). */
  limits?: Pick<ReplyLimits, 'maxReplyBytes'>;
  /** Observes each retry (logs, metrics). */
  onRetry?: RetryOptions['onRetry'];
}

const provider = 'bedrock';
const toolName = 'record_recommendation';

const toolConfig: ToolConfiguration = {
  tools: [
    {
      toolSpec: {
        name: toolName,
        description:
          'Records the decision-support recommendation for the clinician: differentials, follow-up tests, treatment considerations, red flags, uncertainty and disclaimer.',
        // The SDK types the schema as a smithy document; the JSON Schema is one by construction.
        inputSchema: { json: recommendationJsonSchema as ToolInputSchema.JsonMember['json'] },
      },
    },
  ],
  toolChoice: { tool: { name: toolName } },
};

/**
 * @example
 * const recommender = createBedrockRecommender({ modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0', region: 'us-east-1' });
 * const { recommendation, usage } = await recommender.recommend(request, { signal });
 */
export function createBedrockRecommender(settings: BedrockRecommenderSettings): Recommender {
  const client = settings.client ?? new BedrockRuntimeClient({ region: settings.region, maxAttempts: 1 });
  const policy = settings.policy ?? defaultRetryPolicy;
  const operation = `Bedrock Converse ${settings.modelId}`;

  const maxReplyBytes = settings.limits?.maxReplyBytes ?? defaultReplyLimits.maxReplyBytes;

  async function converse(
    input: ConverseCommandInput,
    signal: AbortSignal | undefined,
  ): Promise<ConverseCommandOutput> {
    const output = await withRetry(
      (attemptSignal) => client.send(new ConverseCommand(input), { abortSignal: attemptSignal }),
      {
        policy,
        signal,
        operation,
        toError: (error) => awsError(bedrockRuntimeErrors, error, operation),
        onRetry: settings.onRetry,
      },
    );
    // The SDK has read the reply by now; its message is measured before anything uses it.
    if (Buffer.byteLength(JSON.stringify(output.output ?? null)) > maxReplyBytes) {
      throw replyTooLarge(operation, maxReplyBytes);
    }
    return output;
  }

  return {
    name: provider,
    async recommend(request: RecommendationRequest, options?: CallOptions): Promise<RecommendationResult> {
      const input = converseInput(settings.modelId, request);
      const answer = await answerWithOneRepair<ConverseCommandOutput>(
        {
          ask: () => converse(input, options?.signal),
          repair: (output, problem) => {
            const messages = [...(input.messages ?? []), ...repairTurns(output, problem)];
            return converse({ ...input, messages: mergedByRole(messages) }, options?.signal);
          },
          check: checkOutput,
          usage: ({ usage }) =>
            usage
              ? { inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 }
              : undefined,
        },
        operation,
      );
      const { recommendation, usage, latencyMs } = answer;
      return { recommendation, provider, model: settings.modelId, ...(usage && { usage }), latencyMs };
    },
  };
}

function converseInput(modelId: string, request: RecommendationRequest): ConverseCommandInput {
  const compiled = compileRecommendationPrompt(request);
  const system = compiled.filter(isSystem).map((message): SystemContentBlock => ({ text: message.content }));
  const temperature = request.prompt.config.temperature;
  return {
    modelId,
    ...(system.length > 0 ? { system } : {}),
    messages: conversationOf(compiled.filter((message) => !isSystem(message))),
    toolConfig,
    // Converse takes 0 to 1; a prompt tuned for a 0 to 2 scale keeps the model's default instead.
    ...(typeof temperature === 'number' && temperature >= 0 && temperature <= 1
      ? { inferenceConfig: { temperature } }
      : {}),
  };
}

function isSystem(message: ChatMessage): boolean {
  return message.role === 'system';
}

/** Converse wants strictly alternating user/assistant turns. */
function conversationOf(messages: ChatMessage[]): Message[] {
  return mergedByRole(
    messages.map((message) => ({
      role: message.role === 'assistant' ? 'assistant' : 'user',
      content: [{ text: message.content }],
    })),
  );
}

function mergedByRole(messages: Message[]): Message[] {
  const merged: Message[] = [];
  for (const message of messages) {
    const previous = merged.at(-1);
    if (previous && previous.role === message.role) {
      previous.content = [...(previous.content ?? []), ...(message.content ?? [])];
    } else {
      merged.push({ role: message.role, content: [...(message.content ?? [])] });
    }
  }
  return merged;
}

function toolUseOf(output: ConverseCommandOutput | undefined) {
  return output?.output?.message?.content?.find((block) => block.toolUse?.name === toolName)?.toolUse;
}

function replyTextOf(output: ConverseCommandOutput | undefined): string {
  const blocks = output?.output?.message?.content ?? [];
  return blocks.flatMap((block) => (block.text ? [block.text] : [])).join('\n');
}

function checkOutput(output: ConverseCommandOutput | undefined): ReplyCheck {
  const toolUse = toolUseOf(output);
  if (toolUse) return checkReplyValue(toolUse.input);
  // A model that ignored the forced tool may still have written the JSON as text.
  const fromText = checkReplyText(replyTextOf(output));
  if (fromText.ok) return fromText;
  return {
    ok: false,
    problem: `the reply did not call ${toolName} (stop reason ${output?.stopReason ?? 'unknown'})`,
  };
}

/**
 * The repair turn: the model's own answer, then a tool result naming the problems (a tool call
 * must be answered by its result). `status: 'error'` is left out: only some model families accept it.
 */
function repairTurns(output: ConverseCommandOutput | undefined, problem: string): Message[] {
  const answer = output?.output?.message;
  const toolUse = toolUseOf(output);
  const instruction: ContentBlock = {
    text: `Call ${toolName} again with the corrected input; the previous input cannot be used: ${problem}.`,
  };
  if (!answer?.content?.length) return [{ role: 'user', content: [instruction] }];
  const assistant: Message = { role: 'assistant', content: answer.content };
  if (!toolUse?.toolUseId) return [assistant, { role: 'user', content: [instruction] }];
  return [
    assistant,
    {
      role: 'user',
      content: [
        { toolResult: { toolUseId: toolUse.toolUseId, content: [{ text: `Error: ${problem}` }] } },
        instruction,
      ],
    },
  ];
}
