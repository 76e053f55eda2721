/**
 * The Standard Webhooks signing scheme (standardwebhooks.com): the receiver gets `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `<id>.<timestamp>.<body>`, keyed with the base64-decoded part of a `whsec_<base64>` secret. A
 * signature header may list several space-separated signatures (during a key rotation).
 *
 * @example
 * const headers = webhookHeaders(parseWebhookSecret(process.env.DDX_WEBHOOK_SECRET), 'evt_1', new Date(), body);
 * verifyWebhook(secret, headers, body); // throws WebhookVerificationError when forged or stale
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const webhookSecretPrefix = 'whsec_';

/** How far a timestamp may be from the receiver's clock (the scheme's recommendation: 5 minutes). */
export const defaultToleranceSeconds = 5 * 60;

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/** The signing key of a `whsec_<base64>` secret; refuses anything else, so a typo fails at start-up. */
export function parseWebhookSecret(secret: string): Buffer {
  const encoded = secret.startsWith(webhookSecretPrefix) ? secret.slice(webhookSecretPrefix.length) : '';
  const key = Buffer.from(encoded, 'base64');
  if (!encoded || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length < 16) {
    throw new Error('a webhook secret is "whsec_" followed by the base64 of at least 16 random bytes');
  }
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function webhookSignature(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${digest}`;
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function webhookHeaders(key: Buffer, id: string, at: Date, body: string): WebhookHeaders {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': webhookSignature(key, id, timestamp, body),
  };
}

/** Checks a received webhook; returns its id. Header names are matched case-insensitively. */
export function verifyWebhook(
  key: Buffer,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  options: { now?: Date; toleranceSeconds?: number } = {},
): string {
  const header = (name: string): string | undefined => {
    const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
    return Array.isArray(entry) ? entry[0] : entry;
  };
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook headers');
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(seconds)) {
    throw new WebhookVerificationError('invalid webhook-timestamp');
  }
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - seconds) > (options.toleranceSeconds ?? defaultToleranceSeconds)) {
    throw new WebhookVerificationError('webhook-timestamp is too far from now');
  }
  const expected = Buffer.from(webhookSignature(key, id, seconds, body).slice('v1,'.length), 'base64');
  for (const candidate of signatures.split(' ')) {
    const [version, encoded] = candidate.split(',');
    if (version !== 'v1' || !encoded) continue;
    const given = Buffer.from(encoded, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return id;
  }
  throw new WebhookVerificationError('no matching signature');
}
