/**
 * Optional Langfuse tracing: the LLM generation of a record goes to Langfuse's ingestion API,
 * linked to the prompt version, with token usage, and nothing that identifies the patient.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLangfuseTracer } from '../../src/adapters/generation-tracer/langfuse.js';
import { createLogger } from '../../src/adapters/logger/json-lines.js';
import { createOpenAiCompatibleRecommender } from '../../src/adapters/recommender/openai-compatible.js';
import { runInference } from '../../src/pipeline/run-inference.js';
import { silentLogger } from '../../src/ports.js';
import { LoopbackOpenAiServer } from '../support/loopback-openai-server.js';
import { createPipelineFixture, sampleJpeg, upload } from '../support/pipeline-fixture.js';

describe('Langfuse tracing of LLM generations', () => {
  let llm: LoopbackOpenAiServer;
  const batches: {
    authorization: string | undefined;
    body: { batch: { type: string; body: Record<string, unknown> }[] };
  }[] = [];
  let failNext = 0;
  const langfuse = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/api/public/ingestion')
        return response.writeHead(404).end();
      if (failNext > 0) {
        failNext--;
        return response
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"message":"unavailable"}');
      }
      batches.push({ authorization: request.headers.authorization, body: JSON.parse(text) });
      response.writeHead(207, { 'content-type': 'application/json' }).end('{"successes":[],"errors":[]}');
    });
  });
  let langfuseUrl: string;

  before(async () => {
    llm = await new LoopbackOpenAiServer('gpt-trace-1').start();
    langfuse.listen(0, '127.0.0.1');
    await once(langfuse, 'listening');
    langfuseUrl = `http://127.0.0.1:${(langfuse.address() as AddressInfo).port}`;
  });
  after(async () => {
    await llm.close();
    langfuse.close();
  });

  const tracedFixture = () => {
    const fixture = createPipelineFixture();
    fixture.deps.recommender = createOpenAiCompatibleRecommender({
      baseURL: llm.baseURL,
      apiKey: 'sk-test',
      model: 'gpt-trace',
      policy: { attempts: 1, timeoutMs: 2000, baseDelayMs: 1, maxDelayMs: 5 },
    });
    fixture.deps.generationTracer = createLangfuseTracer({
      baseUrl: langfuseUrl,
      publicKey: 'pk-lf-test',
      secretKey: 'sk-lf-test',
      logger: silentLogger,
      policy: { attempts: 2, timeoutMs: 2000, baseDelayMs: 1, maxDelayMs: 5 },
    });
    return fixture;
  };

  it('sends one trace with its generation, linked to the prompt version, when flushed', async () => {
    batches.length = 0;
    failNext = 1;
    const fixture = tracedFixture();
    await upload(fixture.blobStore, 'uploads/traced.jpg', await sampleJpeg(), {
      extent: 'localized',
      bodySite: 'back',
      patientName: 'Ottoline Vexworth',
      notes: 'Ottoline Vexworth noticed it last month.',
    });
    const { record } = await runInference(
      { source: { key: 'uploads/traced.jpg' }, requestId: 't1', trigger: 'cli' },
      fixture.deps,
    );
    assert.equal(record.status, 'succeeded');
    assert.equal(batches.length, 0, 'nothing is sent before the flush');
    await fixture.deps.generationTracer?.flush();

    assert.equal(batches.length, 1, 'sent once, after one retry of a 503');
    const [batch] = batches;
    assert.equal(batch?.authorization, `Basic ${Buffer.from('pk-lf-test:sk-lf-test').toString('base64')}`);
    const types = batch?.body.batch.map((event) => event.type);
    assert.deepEqual(types, ['trace-create', 'generation-create']);
    const generation = batch?.body.batch[1]?.body;
    assert.equal(generation?.traceId, record.id);
    assert.equal(generation?.model, 'gpt-trace-1');
    assert.equal(generation?.promptName, 'ddx-recommendations');
    assert.equal(generation?.promptVersion, 1);
    assert.equal((generation?.usage as { unit?: string } | undefined)?.unit, 'TOKENS');
    assert.ok(!JSON.stringify(batches).includes('Vexworth'), 'no identifier is traced');
  });

  it('gives up a flush when its signal ends it, dropping the traces instead of waiting for Langfuse', async () => {
    const silent = createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const warnings: string[] = [];
    const tracer = createLangfuseTracer({
      baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      publicKey: 'pk-lf-test',
      secretKey: 'sk-lf-test',
      logger: createLogger({ level: 'warn', write: (line) => warnings.push(line) }),
      policy: { attempts: 3, timeoutMs: 30_000, baseDelayMs: 1, maxDelayMs: 5 },
    });
    try {
      tracer.record({
        recordId: 'rec_flush',
        provider: 'openai',
        model: 'gpt-trace',
        prompt: { name: 'ddx-recommendations', version: 1, isFallback: false },
        input: {},
        output: {},
        usage: null,
        startTime: new Date(),
        endTime: new Date(),
      });
      // The flush ends with its signal (or the test would hang): the traces are dropped, and said so.
      await tracer.flush({ signal: AbortSignal.timeout(100) });
      assert.ok(warnings.some((line) => line.includes('Langfuse traces were dropped')));
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('traces nothing for the offline knowledge base', async () => {
    batches.length = 0;
    const fixture = tracedFixture();
    fixture.deps.recommender = fixture.deps.knowledgeRecommender;
    await upload(fixture.blobStore, 'uploads/offline.jpg', await sampleJpeg(), { extent: 'localized' });
    await runInference(
      { source: { key: 'uploads/offline.jpg' }, requestId: 't2', trigger: 'cli' },
      fixture.deps,
    );
    await fixture.deps.generationTracer?.flush();
    assert.equal(batches.length, 0);
  });
});
