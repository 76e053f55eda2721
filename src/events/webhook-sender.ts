/**
 * Delivers events to a webhook endpoint as CloudEvents in structured mode, signed per Standard
 * Webhooks. Each attempt has a timeout; timeouts, network failures, 408, 429 and 5xx are retried
 * with backoff (honouring `Retry-After`); other answers are permanent. Every attempt carries the
 * same `webhook-id` (the event id) and a fresh timestamp and signature.
 *
 * @example
 * const sender = createWebhookSender({ url: 'https://clinic.example.org/ddx', secret: 'whsec_...' });
 * await sender.send(event);
 */

import type { EventSender } from '../ports.js';
import { errorFromHttpStatus, errorFromNetworkFailure } from '../resilience/http-errors.js';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../resilience/retry.js';
import { parseWebhookSecret, webhookHeaders } from './webhook-signature.js';

export interface WebhookSenderSettings {
  url: string;
  /** `whsec_<base64>`. */
  secret: string;
  policy?: RetryPolicy;
  fetch?: typeof fetch;
  now?: () => Date;
  userAgent?: string;
}

export const cloudEventsJson = 'application/cloudevents+json; charset=utf-8';

export function createWebhookSender(settings: WebhookSenderSettings): EventSender {
  const key = parseWebhookSecret(settings.secret);
  const fetchImplementation = settings.fetch ?? fetch;
  const policy = settings.policy ?? defaultRetryPolicy;
  const now = settings.now ?? (() => new Date());
  const operation = 'webhook POST';
  return {
    name: 'webhook',
    async send(event, options) {
      const body = JSON.stringify(event);
      await withRetry(
        async (signal) => {
          const response = await fetchImplementation(settings.url, {
            method: 'POST',
            headers: {
              'content-type': cloudEventsJson,
              'user-agent': settings.userAgent ?? 'ddx-assist-webhooks',
              ...webhookHeaders(key, event.id, now(), body),
            },
            body,
            signal,
            // A redirect is not followed: the signed body goes only where it was configured to go.
            redirect: 'manual',
          }).catch((error: unknown) => {
            throw errorFromNetworkFailure(operation, error);
          });
          // The answer's body is not needed; reading it frees the connection.
          const detail = await response.text().catch(() => '');
          if (response.status >= 200 && response.status < 300) return;
          throw errorFromHttpStatus(operation, response.status, detail, response.headers.get('retry-after'));
        },
        {
          policy,
          signal: options?.signal,
          operation,
          toError: (error) => errorFromNetworkFailure(operation, error),
        },
      );
    },
  };
}
