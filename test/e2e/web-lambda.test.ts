/**
 * The workspace Lambda (src/entry/web-lambda.ts, `index.webHandler`) on Function URL events, on
 * the embedded adapters: the same app as `ddx serve`, with the Function URL's own domain allowed
 * as Host and every other one refused, tokens required, an upload run as a job.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Context } from 'aws-lambda';
import { loadConfig, packageRoot } from '../../src/config.js';
import { webHandler } from '../../src/entry/lambda.js';
import type { InferenceRecord } from '../../src/record.js';
import { createAccessStores } from '../../src/web/access-stores.js';
import { createApiToken } from '../../src/web/auth/api-tokens.js';
import { createDataDir } from '../support/cli.js';

const domain = 'abc123example.lambda-url.eu-west-1.on.aws';
const sample = join(packageRoot, 'samples', 'localized-melanoma-back.jpg');

interface UrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** A Lambda Function URL event (payload format 2.0). */
function urlEvent(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Parameters<typeof webHandler>[0] {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: domain, ...headers },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc123example',
      domainName: domain,
      domainPrefix: 'abc123example',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId: `req-${Math.random().toString(16).slice(2)}`,
      routeKey: '$default',
      stage: '$default',
      time: '02/Dec/2026:14:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body: body?.toString('base64'),
    isBase64Encoded: body !== undefined,
  } as unknown as Parameters<typeof webHandler>[0];
}

const context = {
  functionName: 'web',
  awsRequestId: 'a1',
  getRemainingTimeInMillis: () => 60_000,
} as Context;

describe('the workspace Lambda behind a Function URL', () => {
  let token: string;
  const invoke = async (...args: Parameters<typeof urlEvent>) =>
    (await webHandler(urlEvent(...args), context)) as UrlResult;

  before(async () => {
    process.env.DDX_DATA_DIR = await createDataDir();
    process.env.DDX_SESSION_SECRET = 's'.repeat(40);
    process.env.DDX_LOG_LEVEL = 'silent';
    const access = await createAccessStores(loadConfig());
    token = (await createApiToken(access.tokens, { role: 'admin', name: 'lambda-test' })).token;
    await access.close();
  });
  after(() => {
    for (const name of ['DDX_DATA_DIR', 'DDX_SESSION_SECRET', 'DDX_LOG_LEVEL']) delete process.env[name];
  });

  it('answers /healthz, refuses a request without a principal and serves one with a token', async () => {
    assert.equal((await invoke('GET', '/healthz', {})).statusCode, 200);
    const refused = await invoke('GET', '/v1/records', {});
    assert.equal(refused.statusCode, 401);
    assert.equal((JSON.parse(refused.body) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
    const listed = await invoke('GET', '/v1/records', { authorization: `Bearer ${token}` });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(JSON.parse(listed.body), { records: [] });
  });

  it('allows the Function URL’s own domain as Host and refuses any other', async () => {
    const forged = await invoke('GET', '/v1/records', {
      host: 'attacker.example',
      authorization: `Bearer ${token}`,
    });
    assert.equal(forged.statusCode, 421);
  });

  it('runs an upload as a job and answers its record', async () => {
    const metadata = JSON.stringify(JSON.parse(await readFile(`${sample}.meta.json`, 'utf8')));
    const answer = await invoke(
      'POST',
      '/v1/uploads',
      { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg', 'x-ddx-metadata': metadata },
      await readFile(sample),
    );
    assert.equal(answer.statusCode, 200, answer.body);
    const { record } = JSON.parse(answer.body) as { record: InferenceRecord };
    assert.equal(record.status, 'succeeded');
    assert.equal(record.classification?.labels[0]?.label, 'melanoma');
  });
});
