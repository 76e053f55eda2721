/**
 * A webhook receiver on 127.0.0.1 for the tests, the way a clinic's endpoint would be written: it
 * verifies every request with the Standard Webhooks reference library (`standardwebhooks`, an
 * implementation independent of ours), parses the body with the CloudEvents SDK, and de-duplicates
 * on `webhook-id`. It can answer errors, hang, or be stopped and started again on the same port
 * (an endpoint that was down).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import { readRequestText } from './read-request-text.js';

export interface ReceivedWebhook {
  webhookId: string;
  /** Whether the signature, timestamp and headers verified. */
  verified: boolean;
  verificationError: string | null;
  contentType: string | undefined;
  body: string;
  /** The CloudEvent the body parsed to, when it did. */
  event: Record<string, unknown> | null;
}

export type ReceiverBehaviour =
  | { kind: 'accept' }
  /** Answers `status` to the next `times` requests (all of them when absent). */
  | { kind: 'fail'; status: number; times?: number; headers?: Record<string, string> }
  | { kind: 'hang' };

export interface LoopbackWebhookReceiver {
  readonly url: string;
  /** Every request, in arrival order, duplicates included. */
  readonly received: ReceivedWebhook[];
  /** Verified events by webhook-id, each once. */
  uniqueEvents(): Map<string, Record<string, unknown>>;
  setBehaviour(behaviour: ReceiverBehaviour): void;
  /** Stops listening (the endpoint is down) and drops open connections. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startLoopbackWebhookReceiver(secret: string): Promise<LoopbackWebhookReceiver> {
  const verifier = new Webhook(secret);
  const received: ReceivedWebhook[] = [];
  let behaviour: ReceiverBehaviour = { kind: 'accept' };
  let failuresLeft = Number.POSITIVE_INFINITY;
  let server: Server | undefined;
  let port = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readRequestText(request);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(',') : (value ?? ''),
      ]),
    );
    let verificationError: string | null = null;
    try {
      verifier.verify(body, headers);
    } catch (error) {
      verificationError = (error as Error).message;
    }
    let event: Record<string, unknown> | null = null;
    try {
      event = HTTP.toEvent({ headers, body }) as unknown as Record<string, unknown>;
    } catch {
      event = null;
    }
    received.push({
      webhookId: headers['webhook-id'] ?? '',
      verified: verificationError === null,
      verificationError,
      contentType: request.headers['content-type'],
      body,
      event,
    });
    if (behaviour.kind === 'hang') return;
    if (behaviour.kind === 'fail' && failuresLeft > 0) {
      const { status, headers: extraHeaders } = behaviour;
      failuresLeft--;
      if (failuresLeft === 0) behaviour = { kind: 'accept' };
      response.writeHead(status, extraHeaders);
      response.end('failing on purpose');
      return;
    }
    response.writeHead(verificationError ? 401 : 204);
    response.end();
  }

  async function start(): Promise<void> {
    const listening = createServer((request, response) => {
      handle(request, response).catch(() => response.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => resolve());
    });
    port = (listening.address() as AddressInfo).port;
    server = listening;
  }

  async function stop(): Promise<void> {
    const running = server;
    server = undefined;
    if (!running) return;
    running.closeAllConnections();
    await new Promise<void>((resolve) => running.close(() => resolve()));
  }

  await start();
  return {
    url: `http://127.0.0.1:${port}/hooks/ddx`,
    received,
    uniqueEvents() {
      const events = new Map<string, Record<string, unknown>>();
      for (const item of received) if (item.verified && item.event) events.set(item.webhookId, item.event);
      return events;
    },
    setBehaviour(next) {
      behaviour = next;
      failuresLeft =
        next.kind === 'fail' ? (next.times ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
    },
    stop,
    start,
    close: stop,
  };
}
