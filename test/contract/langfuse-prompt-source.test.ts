/**
 * The Langfuse prompt source against the real `@langfuse/client` and a loopback server shaped like
 * Langfuse's public prompt API: the PromptSource contract, then how it fetches, caches, retries,
 * times out and falls back to the bundled prompt files.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LangfuseClient } from '@langfuse/client';
import { createLogger } from '../../src/adapters/logger/json-lines.js';
import { createFilePromptSource, promptFileSchema } from '../../src/adapters/prompt-source/files.js';
import {
  createLangfusePromptSource,
  type LangfusePromptSourceSettings,
} from '../../src/adapters/prompt-source/langfuse.js';
import { packageRoot } from '../../src/config.js';
import { ConfigurationError, DdxError, DeadlineExceededError } from '../../src/errors.js';
import type { PromptSource } from '../../src/ports.js';
import {
  type LoopbackLangfuseServer,
  type StoredPrompt,
  startLoopbackLangfuseServer,
} from '../support/loopback-langfuse-server.js';
import { promptSourceContract } from './prompt-source.contract.js';

const promptName = 'ddx-recommendations';
const bundledPrompts = createFilePromptSource({ directory: join(packageRoot, 'prompts') });
const bundled = promptFileSchema.parse(
  JSON.parse(await readFile(join(packageRoot, 'prompts', `${promptName}.json`), 'utf8')),
);
/** The bundled prompt as Langfuse would hold it after two edits: version 3, deployed to production. */
const inLangfuse: StoredPrompt = { ...bundled, version: 3, labels: ['production'], tags: ['ddx'] };

const servers: LoopbackLangfuseServer[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

async function langfuseServing(...prompts: StoredPrompt[]): Promise<LoopbackLangfuseServer> {
  const server = await startLoopbackLangfuseServer();
  servers.push(server);
  for (const prompt of prompts) server.addPrompt(prompt);
  return server;
}

function sourceFor(
  server: LoopbackLangfuseServer,
  overrides: Partial<LangfusePromptSourceSettings> = {},
): PromptSource {
  return createLangfusePromptSource({
    baseUrl: server.baseUrl,
    publicKey: server.publicKey,
    secretKey: server.secretKey,
    fallback: bundledPrompts,
    ...overrides,
  });
}

function capturedLogger() {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'warn', write: (line) => lines.push(line) }), lines };
}

function basicAuth(publicKey: string, secretKey: string): string {
  return `Basic ${Buffer.from(`${publicKey}:${secretKey}`).toString('base64')}`;
}

let contractServer: Promise<LoopbackLangfuseServer> | undefined;
promptSourceContract('Langfuse', async () => {
  contractServer ??= langfuseServing(inLangfuse);
  return sourceFor(await contractServer);
});

// Each test has its own server and source, and most wait on timers: they run side by side.
describe('Langfuse prompt source', { concurrency: true, timeout: 15_000 }, () => {
  it('fetches the production label and records the version and label it got', async () => {
    const server = await langfuseServing(inLangfuse);
    const prompt = await sourceFor(server).get(promptName);

    assert.equal(prompt.version, 3);
    assert.equal(prompt.label, 'production');
    assert.deepEqual(prompt.labels, ['production']);
    assert.equal(prompt.isFallback, false);
    assert.deepEqual(prompt.prompt, bundled.prompt);
    assert.deepEqual(prompt.config, bundled.config);
    assert.deepEqual(server.requests, [
      {
        method: 'GET',
        path: `/api/public/v2/prompts/${promptName}`,
        query: { label: 'production' },
        authorization: basicAuth(server.publicKey, server.secretKey),
      },
    ]);
  });

  it('fetches a configured label', async () => {
    const server = await langfuseServing(inLangfuse, { ...inLangfuse, version: 4, labels: ['staging'] });
    const prompt = await sourceFor(server, { label: 'staging' }).get(promptName);

    assert.equal(prompt.version, 4);
    assert.equal(prompt.label, 'staging');
    assert.deepEqual(server.requests[0]?.query, { label: 'staging' });
  });

  it('fetches a pinned version with ?version=, which wins over a label', async () => {
    const server = await langfuseServing({ ...inLangfuse, version: 2, labels: [] }, inLangfuse);
    const prompt = await sourceFor(server, { version: 2, label: 'staging' }).get(promptName);

    assert.equal(prompt.version, 2);
    assert.equal(prompt.isFallback, false);
    assert.equal('label' in prompt, false, 'not fetched by a label');
    assert.deepEqual(server.requests[0]?.query, { version: '2' });
  });

  it('serves a second request within the TTL from its cache', async () => {
    const server = await langfuseServing(inLangfuse);
    const source = sourceFor(server);

    await source.get(promptName);
    server.addPrompt({ ...inLangfuse, version: 4 });
    const second = await source.get(promptName);

    assert.equal(second.version, 3);
    assert.equal(server.requests.length, 1);
  });

  it('after the TTL serves the cached prompt once more while it refreshes, then the new version', async () => {
    const server = await langfuseServing(inLangfuse);
    const source = sourceFor(server, { cacheTtlSeconds: 0.05 });
    await source.get(promptName);
    server.addPrompt({ ...inLangfuse, version: 4 });
    await new Promise((resolve) => setTimeout(resolve, 100));

    assert.equal((await source.get(promptName)).version, 3, 'stale while revalidating');
    let latest = 3;
    for (let attempt = 0; attempt < 50 && latest === 3; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      latest = (await source.get(promptName)).version;
    }
    assert.equal(latest, 4);
    assert.equal(server.requests.length, 2);
  });

  it('serves the bundled prompt, marked as a fallback, when Langfuse is down', async () => {
    const server = await langfuseServing(inLangfuse);
    await server.close();
    const { logger, lines } = capturedLogger();

    const prompt = await sourceFor(server, { logger }).get(promptName);

    assert.equal(prompt.isFallback, true);
    assert.equal(prompt.version, bundled.version);
    assert.deepEqual(prompt.prompt, bundled.prompt);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /"code":"DEPENDENCY_UNAVAILABLE"/);
  });

  it('retries a 500 once, then serves the fallback', async () => {
    const server = await langfuseServing(inLangfuse);
    server.setBehaviour({ kind: 'fail', status: 500 });
    const { logger, lines } = capturedLogger();

    const prompt = await sourceFor(server, { logger }).get(promptName);

    assert.equal(prompt.isFallback, true);
    assert.equal(server.requests.length, 2);
    assert.match(lines[0] ?? '', /HTTP 500/);
  });

  it('serves the Langfuse prompt when the retry after a 500 succeeds', async () => {
    const server = await langfuseServing(inLangfuse);
    server.setBehaviour({ kind: 'fail', status: 500, times: 1 });

    const prompt = await sourceFor(server).get(promptName);

    assert.equal(prompt.isFallback, false);
    assert.equal(prompt.version, 3);
    assert.equal(server.requests.length, 2);
  });

  it('serves the fallback on wrong keys (401), having sent them as basic auth, without retrying', async () => {
    const server = await langfuseServing(inLangfuse);
    const { logger, lines } = capturedLogger();

    const prompt = await sourceFor(server, {
      publicKey: 'pk-lf-wrong',
      secretKey: 'sk-lf-wrong',
      logger,
    }).get(promptName);

    assert.equal(prompt.isFallback, true);
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]?.authorization, basicAuth('pk-lf-wrong', 'sk-lf-wrong'));
    assert.match(lines[0] ?? '', /HTTP 401/);
  });

  it('serves the fallback when Langfuse holds a chat prompt with a placeholder', async () => {
    assert.equal(bundled.type, 'chat');
    const withPlaceholder: StoredPrompt = {
      ...inLangfuse,
      type: 'chat',
      prompt: [...bundled.prompt, { type: 'placeholder', name: 'history' }],
    };
    const server = await langfuseServing(withPlaceholder);
    const { logger, lines } = capturedLogger();

    const prompt = await sourceFor(server, { logger }).get(promptName);

    assert.equal(prompt.isFallback, true);
    assert.match(lines[0] ?? '', /placeholder \\"history\\"/);
  });

  it('serves the fallback when Langfuse answers 200 with a body that is not JSON', async () => {
    // The SDK resolves such an answer as a prompt with no name, version or text.
    const server = await langfuseServing(inLangfuse);
    server.setBehaviour({ kind: 'raw', contentType: 'text/html', body: '<html>maintenance</html>' });
    const { logger, lines } = capturedLogger();

    const prompt = await sourceFor(server, { logger }).get(promptName);

    assert.equal(prompt.isFallback, true);
    assert.match(lines[0] ?? '', /is invalid/);
  });

  it('fails with a non-retriable DdxError for a prompt neither Langfuse nor the bundle has', async () => {
    const server = await langfuseServing(inLangfuse);

    await assert.rejects(sourceFor(server).get('no-such-prompt'), (error: unknown) => {
      assert.ok(error instanceof DdxError);
      assert.equal(error.retriable, false);
      assert.match(error.message, /HTTP 404.*no bundled fallback/);
      return true;
    });
    assert.equal(server.requests.length, 1);
  });

  it('fails with a retriable DdxError when Langfuse is down and there is no bundled copy', async () => {
    const server = await langfuseServing(inLangfuse);
    await server.close();

    await assert.rejects(sourceFor(server).get('no-such-prompt'), (error: unknown) => {
      assert.ok(error instanceof DdxError);
      assert.equal(error.retriable, true);
      return true;
    });
  });

  it('rejects unsafe names before asking Langfuse', async () => {
    const server = await langfuseServing(inLangfuse);
    const source = sourceFor(server);

    for (const name of ['../package', '', 'a/b']) {
      await assert.rejects(source.get(name), ConfigurationError);
    }
    assert.equal(server.requests.length, 0);
  });

  it("ends at the job's deadline instead of serving a fallback", async () => {
    const server = await langfuseServing(inLangfuse);
    server.setBehaviour({ kind: 'hang' });

    await assert.rejects(
      sourceFor(server, { fetchTimeoutMs: 1_000 }).get(promptName, { signal: AbortSignal.timeout(50) }),
      DeadlineExceededError,
    );
  });

  it('uses an injected client', async () => {
    const server = await langfuseServing(inLangfuse);
    const client = new LangfuseClient({
      baseUrl: server.baseUrl,
      publicKey: server.publicKey,
      secretKey: server.secretKey,
    });

    const prompt = await sourceFor(server, { baseUrl: 'http://127.0.0.1:9', client }).get(promptName);

    assert.equal(prompt.isFallback, false);
    assert.equal(server.requests.length, 1);
  });

  it('refuses settings the SDK would misread', () => {
    const connection = { baseUrl: 'http://127.0.0.1:9', publicKey: 'pk', secretKey: 'sk' };
    const fallback = bundledPrompts;
    // A fetchTimeoutMs of 0 makes the SDK wait its default 60 s.
    assert.throws(
      () => createLangfusePromptSource({ ...connection, fallback, fetchTimeoutMs: 0 }),
      ConfigurationError,
    );
    assert.throws(
      () => createLangfusePromptSource({ ...connection, fallback, version: 0 }),
      ConfigurationError,
    );
    assert.throws(
      () => createLangfusePromptSource({ ...connection, fallback, secretKey: '' }),
      ConfigurationError,
    );
  });
});

// Short timeouts: these run after the functional tests, on a warm process, so a busy event loop at
// start-up cannot expire a 200 ms timeout before the request has even reached the server.
describe('Langfuse prompt source when Langfuse stalls', { concurrency: true, timeout: 15_000 }, () => {
  before(async () => {
    const server = await langfuseServing(inLangfuse);
    await sourceFor(server).get(promptName);
  });

  it('serves the fallback after fetchTimeoutMs when Langfuse never answers, without retrying', async () => {
    const server = await langfuseServing(inLangfuse);
    server.setBehaviour({ kind: 'hang' });
    const { logger, lines } = capturedLogger();

    const result = await sourceFor(server, { fetchTimeoutMs: 200, logger }).get(promptName);

    assert.equal(result.isFallback, true);
    assert.match(lines[0] ?? '', /Langfuse GET prompt timed out/);
    // The SDK retries only HTTP 408, 429 and 5xx answers, never its own timeouts.
    assert.equal(server.requests.length, 1);
  });

  it('serves the fallback when Langfuse sends headers and then never the body', async () => {
    // The SDK's fetch timeout stops at the headers: only the source's own bound ends this wait.
    const server = await langfuseServing(inLangfuse);
    server.setBehaviour({ kind: 'hang-after-headers' });
    const { logger, lines } = capturedLogger();

    const result = await sourceFor(server, { fetchTimeoutMs: 300, logger }).get(promptName);

    assert.equal(result.isFallback, true);
    assert.match(lines[0] ?? '', /did not finish within/, 'ended by the source, not the SDK');
  });

  it('does not wait out a long Retry-After on a 5xx', async () => {
    // Unbounded, the SDK would sleep 3 s before its retry; the source's bound is 2 x 200 + 1500 ms.
    const server = await langfuseServing(inLangfuse);
    server.setBehaviour({ kind: 'fail', status: 503, headers: { 'retry-after': '3' } });
    const { logger, lines } = capturedLogger();

    const result = await sourceFor(server, { fetchTimeoutMs: 200, logger }).get(promptName);

    assert.equal(result.isFallback, true);
    assert.match(lines[0] ?? '', /did not finish within/);
    assert.equal(server.requests.length, 1, 'the 503 was answered; the retry was still waiting');
  });
});
