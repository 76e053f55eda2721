/**
 * A stand-in for Amazon EventBridge's `PutEvents` on 127.0.0.1, shaped like the real JSON 1.1 wire
 * contract: `POST /` with `Content-Type: application/x-amz-json-1.1` and
 * `X-Amz-Target: AWSEvents.PutEvents`, a SigV4 `Authorization` header, a body
 * `{ Entries: [{ Source, DetailType, Detail, EventBusName, Resources, Time }] }` (Time in epoch
 * seconds) and the answer `{ FailedEntryCount, Entries: [{ EventId } | { ErrorCode, ErrorMessage }] }`
 * (HTTP 200 even when entries failed). Errors of the whole call are `{ __type, message }` with 400
 * or 5xx. It knows the buses it was given, so a wrong bus name fails as it does in AWS.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: number;
}

export type EventBridgeBehaviour =
  | { kind: 'accept' }
  /** The next `times` entries fail with this entry error code (HTTP 200, FailedEntryCount > 0). */
  | { kind: 'fail-entries'; errorCode: string; times: number }
  /** The next `times` calls fail as a whole (`ThrottlingException` is 400, `InternalException` 500). */
  | { kind: 'fail-call'; type: string; status: number; times: number };

export interface LoopbackEventBridge {
  readonly endpoint: string;
  /** Entries accepted, by bus. */
  readonly accepted: (PutEventsEntry & { EventId: string })[];
  /** Every call's target header, authorization presence and raw body. */
  readonly calls: {
    target: string | undefined;
    contentType: string | undefined;
    signed: boolean;
    body: string;
  }[];
  setBehaviour(behaviour: EventBridgeBehaviour): void;
  close(): Promise<void>;
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
  });
  response.end(JSON.stringify(body));
}

export async function startLoopbackEventBridge(
  buses: string[] = ['ddx-events'],
): Promise<LoopbackEventBridge> {
  const accepted: LoopbackEventBridge['accepted'] = [];
  const calls: LoopbackEventBridge['calls'] = [];
  let behaviour: EventBridgeBehaviour = { kind: 'accept' };
  let left = 0;

  function handle(request: IncomingMessage, body: string, response: ServerResponse): void {
    const target = request.headers['x-amz-target'] as string | undefined;
    calls.push({
      target,
      contentType: request.headers['content-type'],
      signed: /^AWS4-HMAC-SHA256 Credential=/.test(request.headers.authorization ?? ''),
      body,
    });
    if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
      reply(response, 400, { __type: 'UnknownOperationException', message: `unknown target ${target}` });
      return;
    }
    if (behaviour.kind === 'fail-call' && left > 0) {
      left--;
      reply(response, behaviour.status, { __type: behaviour.type, message: 'failing on purpose' });
      return;
    }
    let entries: PutEventsEntry[];
    try {
      entries = (JSON.parse(body) as { Entries?: PutEventsEntry[] }).Entries ?? [];
    } catch {
      reply(response, 400, { __type: 'SerializationException', message: 'body is not JSON' });
      return;
    }
    if (entries.length === 0 || entries.length > 10) {
      reply(response, 400, { __type: 'ValidationException', message: 'Entries must hold 1 to 10 items' });
      return;
    }
    const results = entries.map((entry) => {
      if (behaviour.kind === 'fail-entries' && left > 0) {
        left--;
        return { ErrorCode: behaviour.errorCode, ErrorMessage: 'failing on purpose' };
      }
      if (!entry.EventBusName || !buses.includes(entry.EventBusName)) {
        return {
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `Event bus ${entry.EventBusName} does not exist.`,
        };
      }
      if (!entry.Source || !entry.DetailType || !entry.Detail) {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required' };
      }
      try {
        JSON.parse(entry.Detail);
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      const EventId = randomUUID();
      accepted.push({ ...entry, EventId });
      return { EventId };
    });
    reply(response, 200, {
      Entries: results,
      FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
    });
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks).toString('utf8'), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accepted,
    calls,
    setBehaviour(next) {
      behaviour = next;
      left = next.kind === 'accept' ? 0 : next.times;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
