/**
 * Size caps on what an LLM server answers, before any of it is parsed or stored: the whole reply
 * in bytes (a 60 MB answer is refused as it streams in, not after it has been held in memory),
 * and each field the record keeps verbatim (the model name; the recommendation's text fields are
 * capped by its schema). A reply over a cap is INVALID_MODEL_OUTPUT, not retried: a server that
 * answers that way is broken or hostile, and asking again costs the same.
 */
import { DependencyError, ServiceErrorCode } from '../../../errors.js';

export interface ReplyLimits {
  /** Largest reply body, in bytes. */
  maxReplyBytes: number;
  /** Longest model name a reply may report. */
  maxModelNameLength: number;
}

export const defaultReplyLimits: ReplyLimits = { maxReplyBytes: 1024 * 1024, maxModelNameLength: 200 };

export function replyTooLarge(operation: string, limit: number): DependencyError {
  return new DependencyError(`${operation} answered more than ${limit} bytes, the reply size cap`, {
    code: ServiceErrorCode.invalidModelOutput,
    retriable: false,
  });
}

/** The model name a reply reports, checked against its cap; the configured one when it sends none. */
export function cappedModelName(
  operation: string,
  reported: string | undefined,
  configured: string,
  limit: number,
): string {
  if (!reported) return configured;
  if (reported.length > limit) {
    throw new DependencyError(
      `${operation} reported a model name of ${reported.length} characters, over the ${limit}-character cap`,
      { code: ServiceErrorCode.invalidModelOutput, retriable: false },
    );
  }
  return reported;
}

/**
 * A fetch that reads each response body itself, at most `maxBytes` of it: refused from
 * Content-Length when the server sends one, and counted as the body streams otherwise. The body
 * is handed on whole (it is small by then), so the refusal is the fetch's own error, whatever the
 * SDK around it does with a body stream that fails.
 */
export function fetchWithReplyCap(
  fetchImpl: typeof fetch,
  maxBytes: number,
  operation: string,
): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw replyTooLarge(operation, maxBytes);
    }
    if (!response.body) return response;
    const chunks: Uint8Array[] = [];
    let received = 0;
    const reader = response.body.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      received += chunk.value.byteLength;
      if (received > maxBytes) {
        await reader.cancel();
        throw replyTooLarge(operation, maxBytes);
      }
      chunks.push(chunk.value);
    }
    return new Response(Buffer.concat(chunks), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
