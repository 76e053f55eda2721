/**
 * What every scripted loopback stand-in (OpenAI, Bedrock) keeps: the answers a test queued, in
 * order, and every request it received, so tests can assert on exactly what went over the wire.
 */
import assert from 'node:assert/strict';

export class ScriptedReplies<Step, Recorded> {
  readonly requests: Recorded[] = [];
  private readonly steps: Step[] = [];

  /** Queues answers for the next requests, in order. */
  script(...steps: Step[]): void {
    this.steps.push(...steps);
  }

  /** The next queued answer, or `fallback` once the script has run out. */
  next(fallback: Step): Step {
    return this.steps.shift() ?? fallback;
  }

  /** Forgets the script and the recorded requests. */
  reset(): void {
    this.steps.length = 0;
    this.requests.length = 0;
  }

  /** The request received `index`-th, failing the test when there was none. */
  requestAt(index: number): Recorded {
    const request = this.requests[index];
    assert.ok(request, `request ${index} was received`);
    return request;
  }
}

/** Tiny delays, so retries in tests cost milliseconds instead of real backoff. */
export const fastRetryPolicy = { attempts: 3, timeoutMs: 2000, baseDelayMs: 1, maxDelayMs: 5 } as const;
