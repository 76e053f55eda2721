/**
 * The GenerationTracer port on Langfuse (DDX_LANGFUSE_TRACING=true): one trace per record with
 * one generation, linked to the prompt name and version, sent through Langfuse's batch ingestion
 * API (`POST /api/public/ingestion`). Events are buffered and sent by `flush()`, which the
 * Lambda handler awaits before returning and the CLI before exiting. Tracing never fails a job:
 * a send that fails after its retries is logged and dropped.
 *
 * What is traced is what the LLM saw (the de-identified request) and what it answered: nothing
 * that identifies a patient.
 */
import { randomUUID } from 'node:crypto';
import { DependencyError, ServiceErrorCode } from '../../errors.js';
import type { GenerationTracer, Logger } from '../../ports.js';
import { errorFromHttpStatus, errorFromNetworkFailure } from '../../resilience/http-errors.js';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../../resilience/retry.js';

export interface LangfuseTracerSettings {
  baseUrl: string;
  publicKey: string;
  secretKey: string;
  logger: Logger;
  fetch?: typeof fetch;
  policy?: RetryPolicy;
}

const operation = 'Langfuse ingestion';

export function createLangfuseTracer(settings: LangfuseTracerSettings): GenerationTracer {
  const send = settings.fetch ?? fetch;
  const policy = settings.policy ?? { ...defaultRetryPolicy, timeoutMs: 5000 };
  const authorization = `Basic ${Buffer.from(`${settings.publicKey}:${settings.secretKey}`).toString('base64')}`;
  const url = new URL('/api/public/ingestion', settings.baseUrl).href;
  let buffered: object[] = [];

  return {
    record(generation) {
      const timestamp = generation.endTime.toISOString();
      const traceId = generation.recordId;
      buffered.push(
        {
          id: randomUUID(),
          type: 'trace-create',
          timestamp,
          body: {
            id: traceId,
            name: 'ddx-inference',
            timestamp,
            metadata: { recordId: generation.recordId },
          },
        },
        {
          id: randomUUID(),
          type: 'generation-create',
          timestamp,
          body: {
            id: randomUUID(),
            traceId,
            name: generation.prompt.name,
            startTime: generation.startTime.toISOString(),
            endTime: timestamp,
            model: generation.model,
            input: generation.input,
            output: generation.output,
            usage: generation.usage
              ? { input: generation.usage.inputTokens, output: generation.usage.outputTokens, unit: 'TOKENS' }
              : undefined,
            promptName: generation.prompt.isFallback ? undefined : generation.prompt.name,
            promptVersion: generation.prompt.isFallback ? undefined : generation.prompt.version,
            metadata: { provider: generation.provider, promptFallback: generation.prompt.isFallback },
          },
        },
      );
    },

    async flush(options) {
      if (buffered.length === 0) return;
      const batch = buffered;
      buffered = [];
      try {
        await withRetry(
          async (signal) => {
            const response = await send(url, {
              method: 'POST',
              headers: { authorization, 'content-type': 'application/json' },
              body: JSON.stringify({ batch }),
              signal,
            });
            // 207 carries per-event errors: the batch itself was accepted.
            if (!response.ok) {
              throw errorFromHttpStatus(
                operation,
                response.status,
                await response.text(),
                response.headers.get('retry-after'),
              );
            }
          },
          {
            policy,
            operation,
            signal: options?.signal,
            toError: (error) => errorFromNetworkFailure(operation, error),
          },
        );
      } catch (error) {
        const code = error instanceof DependencyError ? error.code : ServiceErrorCode.dependencyUnavailable;
        settings.logger.warn('Langfuse traces were dropped', { code, events: batch.length });
      }
    },
  };
}
