/**
 * A loopback HTTP proxy in front of a test server (s3rver, dynalite, any local stand-in) that can be
 * told to misbehave on the next N requests matching a predicate: answer an error, reset the
 * connection, never answer, answer late, or lose the answer after the request was served. It
 * records every request it saw, so tests can count attempts.
 *
 * Requests are forwarded unchanged, Host header included, so AWS signatures still verify.
 *
 * @example
 * const proxy = await startFaultProxy(s3rver.endpoint);
 * proxy.inject(s3Error(503, 'SlowDown'), { times: 1, when: (request) => request.method === 'GET' });
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** Answer this instead of forwarding; `holdBody` sends the head and then never the body. */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string; holdBody?: boolean }
  /** Destroy the client's connection as soon as the request arrives. */
  | { kind: 'reset' }
  /** Never answer (the client's timeout must end it). */
  | { kind: 'hang' }
  /** Forward after a pause. */
  | { kind: 'delay'; delayMs: number }
  /** Forward, let the target do the work, then destroy the connection instead of answering. */
  | { kind: 'drop-response' };

export interface ProxiedRequest {
  method: string;
  /** The raw request target, percent-encoding as sent. */
  path: string;
  headers: IncomingHttpHeaders;
}

export interface SeenRequest extends ProxiedRequest {
  /** The fault applied, or `forwarded`. */
  outcome: Fault['kind'] | 'forwarded';
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly seen: SeenRequest[];
  /** Applies `fault` to the next `times` (default 1) requests for which `when` holds (default: all). */
  inject(fault: Fault, options?: { times?: number; when?: (request: ProxiedRequest) => boolean }): void;
  /** Forgets pending faults and seen requests. */
  reset(): void;
  close(): Promise<void>;
}

interface PendingFault {
  fault: Fault;
  remaining: number;
  when: (request: ProxiedRequest) => boolean;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const pending: PendingFault[] = [];
  const seen: SeenRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const takeFault = (request: ProxiedRequest): Fault | undefined => {
    const index = pending.findIndex((entry) => entry.when(request));
    const entry = pending[index];
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) pending.splice(index, 1);
    return entry.fault;
  };

  const forward = (request: IncomingMessage, response: ServerResponse, dropResponse: boolean) => {
    const upstream = httpRequest(
      {
        hostname: targetUrl.hostname,
        port: targetUrl.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
        agent,
      },
      (upstreamResponse) => {
        if (dropResponse) {
          // The target has done the work; the client never learns it.
          upstreamResponse.resume();
          upstreamResponse.on('end', () => request.socket.destroy());
          return;
        }
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(response);
        upstreamResponse.on('error', () => response.destroy());
      },
    );
    upstream.on('error', () => response.destroy());
    response.on('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    request.pipe(upstream);
  };

  const server = createServer((request, response) => {
    const proxied: ProxiedRequest = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: request.headers,
    };
    const fault = takeFault(proxied);
    seen.push({ ...proxied, outcome: fault?.kind ?? 'forwarded' });
    switch (fault?.kind) {
      case undefined:
        return forward(request, response, false);
      case 'drop-response':
        return forward(request, response, true);
      case 'delay': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          forward(request, response, false);
        }, fault.delayMs);
        timers.add(timer);
        return;
      }
      case 'reset':
        request.socket.destroy();
        return;
      case 'hang':
        return;
      case 'respond':
        // Read the request to its end first, as a server would, so the client is not cut off mid-upload.
        request.resume();
        request.on('end', () => {
          response.writeHead(fault.status, fault.headers);
          if (fault.holdBody) response.flushHeaders();
          else response.end(fault.body);
        });
        return;
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    inject(fault, options = {}) {
      pending.push({ fault, remaining: options.times ?? 1, when: options.when ?? (() => true) });
    },
    reset() {
      pending.length = 0;
      seen.length = 0;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      // Hung and held requests would keep the server open forever.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

/** An S3 error answer (REST-XML); HEAD answers carry no body, as on S3. */
export function s3Error(status: number, code: string, message = `fault proxy: ${code}`): Fault {
  return {
    kind: 'respond',
    status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'FAULTPROXY' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>FAULTPROXY</RequestId></Error>`,
  };
}

/** A DynamoDB error answer (JSON 1.0 protocol): the type travels in the body and in a header. */
export function dynamoDbError(status: number, type: string, message = `fault proxy: ${type}`): Fault {
  return {
    kind: 'respond',
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-errortype': `${type}:`,
      'x-amzn-requestid': 'FAULTPROXY',
    },
    body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }),
  };
}
