/**
 * The LLM reply caps (issue 9 item 4): a 60 MB reply and a 200 kB model name were accepted. Now
 * an OpenAI-compatible reply is cut off as it streams past DDX_LLM_MAX_REPLY_BYTES, a model name
 * over 200 characters is refused, a Bedrock reply over the cap is refused: each a non-retriable
 * INVALID_MODEL_OUTPUT naming the cap, asked once (no retry, no repair turn).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { createBedrockRecommender } from '../../src/adapters/recommender/bedrock.js';
import { createOpenAiCompatibleRecommender } from '../../src/adapters/recommender/openai-compatible.js';
import { DependencyError } from '../../src/errors.js';
import { LoopbackOpenAiServer } from '../support/loopback-openai-server.js';
import { sampleRecommendationRequest } from '../support/recommendation-request.js';
import { fastRetryPolicy } from '../support/scripted-replies.js';

/** Fast backoff, but an attempt timeout a busy machine cannot hit while 60 MB stream in. */
const patientPolicy = { ...fastRetryPolicy, timeoutMs: 60_000 };

type Answer = { model: string; contentBytes: number; declareLength: boolean };

describe('LLM reply caps', () => {
  let server: Server;
  let url: string;
  let answer: Answer;
  let requests = 0;

  before(async () => {
    server = createServer((request, response) => {
      requests += 1;
      request.resume();
      const body = JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 0,
        model: answer.model,
        choices: [
          {
            index: 0,
            finish_reason: 'stop',
            message: { role: 'assistant', content: 'x'.repeat(answer.contentBytes) },
          },
        ],
      });
      response.writeHead(200, {
        'content-type': 'application/json',
        // One request per connection: a reply cut off mid-body leaves no connection to reuse.
        connection: 'close',
        ...(answer.declareLength ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
      });
      // Streamed in pieces, as a runaway generation arrives.
      for (let offset = 0; offset < body.length; offset += 1 << 20)
        response.write(body.slice(offset, offset + (1 << 20)));
      response.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => server.close());
  beforeEach(() => {
    requests = 0;
  });

  const recommender = () =>
    createOpenAiCompatibleRecommender({ baseURL: url, model: 'local-model', policy: patientPolicy });

  async function refusal(run: () => Promise<unknown>): Promise<DependencyError> {
    const error = await run().then(
      () => assert.fail('expected a refusal'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof DependencyError, String(error));
    assert.equal(error.code, 'INVALID_MODEL_OUTPUT', error.message);
    assert.equal(error.retriable, false);
    return error;
  }

  for (const declareLength of [false, true]) {
    it(`refuses a 60 MB reply ${declareLength ? 'from its Content-Length' : 'as it streams in'}, asking once`, async () => {
      answer = { model: 'local-model', contentBytes: 60 * 1024 * 1024, declareLength };
      const error = await refusal(async () => recommender().recommend(await sampleRecommendationRequest()));
      assert.match(error.message, /more than 1048576 bytes, the reply size cap/);
      assert.equal(requests, 1);
    });
  }

  it('refuses a 200 kB model name in an otherwise valid reply', async () => {
    const named = new LoopbackOpenAiServer('m'.repeat(200_000));
    await named.start();
    try {
      const error = await refusal(async () =>
        createOpenAiCompatibleRecommender({
          baseURL: named.baseURL,
          model: 'local-model',
          policy: patientPolicy,
        }).recommend(await sampleRecommendationRequest()),
      );
      assert.match(error.message, /model name of 200000 characters, over the 200-character cap/);
    } finally {
      await named.close();
    }
  });

  it('refuses a Bedrock reply over the cap', async () => {
    const client = {
      send: async () => ({
        output: { message: { role: 'assistant', content: [{ text: 'x'.repeat(2 * 1024 * 1024) }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
        metrics: { latencyMs: 1 },
      }),
    } as unknown as BedrockRuntimeClient;
    const error = await refusal(async () =>
      createBedrockRecommender({ modelId: 'model', client, policy: patientPolicy }).recommend(
        await sampleRecommendationRequest(),
      ),
    );
    assert.match(error.message, /more than 1048576 bytes/);
  });
});
