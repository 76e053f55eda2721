/**
 * Reads a request body under a byte limit, keeping nothing past it. An oversize body is still
 * read (and dropped) up to four times the limit, so the client sees the 413 rather than a reset.
 */
import type { IncomingMessage } from 'node:http';

/** A request the server refuses, with the HTTP status that says why. */
export class RequestProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestProblem';
  }
}

export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const drainLimitBytes = 4 * maxBytes;
  const tooLarge = () => new RequestProblem(413, `the request body is over the limit of ${maxBytes} bytes`);
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > drainLimitBytes) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else if (size > drainLimitBytes) reject(tooLarge());
    });
    request.on('end', () => (size > maxBytes ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) reject(new RequestProblem(400, 'the request body ended early'));
    });
  });
}
