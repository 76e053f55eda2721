/**
 * The one shape of a recommendation asked of an LLM, whatever its API: ask, check the reply
 * against the recommendation schema (llm-reply.ts), ask once more naming the problem, and fail
 * closed when the repaired reply is still wrong. Token usage is the sum over both calls.
 */
import type { Recommendation, TokenUsage } from '../../../domain.js';
import { type ReplyCheck, unrepairedReplyError } from './llm-reply.js';

/** One provider's conversation: its own request and reply shapes behind four functions. */
export interface RepairableConversation<Reply> {
  /** The first request. */
  ask(): Promise<Reply>;
  /** The one repair request, after `reply` failed its check with `problem`. */
  repair(reply: Reply, problem: string): Promise<Reply>;
  check(reply: Reply): ReplyCheck;
  /** The reply's token counts in our terms; undefined when the provider reports none. */
  usage(reply: Reply): TokenUsage | undefined;
}

export interface RepairedAnswer<Reply> {
  recommendation: Recommendation;
  /** The last reply: the one the recommendation came from. */
  reply: Reply;
  /** Summed over both calls; absent when the provider reported none. */
  usage?: TokenUsage;
  /** Wall time of both calls, retries included. */
  latencyMs: number;
}

export async function answerWithOneRepair<Reply>(
  conversation: RepairableConversation<Reply>,
  operation: string,
): Promise<RepairedAnswer<Reply>> {
  const started = performance.now();
  let reply = await conversation.ask();
  const replies = [reply];
  let check = conversation.check(reply);
  if (!check.ok) {
    reply = await conversation.repair(reply, check.problem);
    replies.push(reply);
    check = conversation.check(reply);
  }
  if (!check.ok) throw unrepairedReplyError(operation, check.problem);
  return {
    recommendation: check.recommendation,
    reply,
    ...totalUsage(replies.map((each) => conversation.usage(each))),
    latencyMs: Math.round(performance.now() - started),
  };
}

function totalUsage(reported: (TokenUsage | undefined)[]): { usage?: TokenUsage } {
  const counted = reported.filter((usage) => usage !== undefined);
  if (counted.length === 0) return {};
  return {
    usage: {
      inputTokens: counted.reduce((sum, usage) => sum + usage.inputTokens, 0),
      outputTokens: counted.reduce((sum, usage) => sum + usage.outputTokens, 0),
    },
  };
}
