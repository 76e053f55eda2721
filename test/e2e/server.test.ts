/**
 * End to end through the HTTP server on the embedded defaults (a temporary data folder, the real
 * ONNX models, the bundled samples): every endpoint and every error path over real HTTP, the
 * server in-process on a free port, and once as `ddx serve` through the built CLI.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/adapters/logger/json-lines.js';
import { type ComposedDependencies, composeDependencies } from '../../src/compose.js';
import { type Config, loadConfig, packageRoot } from '../../src/config.js';
import type { BlobStore } from '../../src/ports.js';
import { type InferenceRecord, recordIdFor } from '../../src/record.js';
import { storeUpload } from '../../src/uploads/store-upload.js';
import type { RunningServer } from '../../src/web/serve.js';
import { createDataDir, runCli } from '../support/cli.js';
import { pngHeaderChunk, pngSignature } from '../support/unit-helpers.js';
import { fetchWith, type TestAccess, testAccess } from '../support/web-server.js';

const samples = join(packageRoot, 'samples');
const localizedSample = join(samples, 'localized-melanoma-back.jpg');
const widespreadSample = join(samples, 'widespread-psoriasis-trunk.jpg');
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface ErrorBody {
  code: string;
  step: string;
  message: string;
  retriable: boolean;
}
interface JobBody {
  record: InferenceRecord;
  reused: boolean;
  error?: ErrorBody;
}

/** The metadata file of a sample as the one-line JSON the `x-ddx-metadata` header carries. */
async function metadataOf(imagePath: string): Promise<string> {
  return JSON.stringify(JSON.parse(await readFile(`${imagePath}.meta.json`, 'utf8')));
}

/** Asserts the JSON error body every refusal shares, and returns the whole body. */
async function errorResponse(
  response: Response,
  /** `step` left out: any step. */
  expected: { status: number; code: string; step?: string; retriable?: boolean },
): Promise<{ error: ErrorBody; record?: InferenceRecord; reused?: boolean }> {
  const body = (await response.json()) as { error: ErrorBody; record?: InferenceRecord; reused?: boolean };
  assert.equal(response.status, expected.status, JSON.stringify(body));
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'retriable', 'step']);
  assert.equal(body.error.code, expected.code);
  if (expected.step !== undefined) assert.equal(body.error.step, expected.step);
  assert.equal(body.error.retriable, expected.retriable ?? false);
  assert.ok(body.error.message.length > 0);
  return body;
}

function client(url: string, fetch: typeof globalThis.fetch) {
  return {
    get: (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { headers }),
    upload: (
      image: Buffer,
      options: {
        metadata?: string;
        key?: string;
        contentType?: string;
        headers?: Record<string, string>;
      } = {},
    ) =>
      fetch(
        `${url}/v1/uploads${options.key === undefined ? '' : `?key=${encodeURIComponent(options.key)}`}`,
        {
          method: 'POST',
          body: image,
          headers: {
            'content-type': options.contentType ?? 'image/jpeg',
            ...(options.metadata === undefined ? {} : { 'x-ddx-metadata': options.metadata }),
            ...options.headers,
          },
        },
      ),
    job: (body: string, contentType = 'application/json') =>
      fetch(`${url}/v1/jobs`, { method: 'POST', body, headers: { 'content-type': contentType } }),
  };
}

describe('HTTP server on the embedded defaults', () => {
  let config: Config;
  let deps: ComposedDependencies;
  let access: TestAccess;
  /** fetch with an admin token: every route but /healthz needs a principal. */
  let fetch: typeof globalThis.fetch;
  let server: RunningServer;
  let api: ReturnType<typeof client>;
  const logLines: Record<string, unknown>[] = [];
  let localized: Buffer;
  let widespread: Buffer;

  before(async () => {
    config = loadConfig({ DDX_DATA_DIR: await createDataDir() });
    deps = await composeDependencies(config, {
      logger: createLogger({ level: 'info', write: (line) => logLines.push(JSON.parse(line)) }),
    });
    access = await testAccess(config);
    fetch = fetchWith(access.admin);
    server = await access.start(deps, { inputPrefix: config.inputPrefix, port: 0 });
    api = client(server.url, fetch);
    [localized, widespread] = await Promise.all([readFile(localizedSample), readFile(widespreadSample)]);
  });
  after(async () => {
    await server.close();
    await deps.close();
    await access.close();
  });

  const requestLogs = (requestId: string) =>
    logLines.filter((line) => line.message === 'http request' && line.requestId === requestId);

  it('answers GET /healthz with 200 and a generated request id', async () => {
    const response = await api.get('/healthz');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
    assert.match(response.headers.get('x-request-id') ?? '', uuid);
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('runs an HTTP upload of a localized sample: stored under its key, lesion found and classified', async () => {
    const response = await api.upload(localized, {
      key: 'uploads/clinic-a/melanoma-back.jpg',
      metadata: await metadataOf(localizedSample),
      headers: { 'x-request-id': 'gateway-7f3a.1' },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-request-id'), 'gateway-7f3a.1');
    const { record, reused } = (await response.json()) as JobBody;
    assert.equal(reused, false);
    assert.equal(record.status, 'succeeded');
    assert.deepEqual([record.trigger, record.requestId], ['http', 'gateway-7f3a.1']);
    assert.equal(record.source.key, 'uploads/clinic-a/melanoma-back.jpg');
    assert.equal(record.route?.name, 'localized-lesion');
    assert.ok(record.localization?.roi, 'a region of interest was found');
    assert.equal(record.classification?.input, 'crop');
    assert.equal(record.classification?.labels[0]?.label, 'melanoma');
    assert.equal(record.context?.bodySite, 'back');
    assert.ok((record.billing?.suggestions.length ?? 0) > 0);
    // Stored as the CLI stores an upload: the image and its metadata sidecar, beside each other.
    const head = await deps.blobStore.head('uploads/clinic-a/melanoma-back.jpg');
    assert.equal(head.size, localized.length);
    assert.equal(head.metadata.bodySite, 'back');

    const logs = requestLogs('gateway-7f3a.1');
    assert.equal(logs.length, 1, 'one log line per request');
    const [line] = logs;
    assert.deepEqual(
      [line?.method, line?.route, line?.status, typeof line?.durationMs],
      ['POST', '/v1/uploads', 200, 'number'],
    );
  });

  it('answers a repeated upload of the same image and metadata from the stored record', async () => {
    const response = await api.upload(localized, {
      key: 'uploads/clinic-a/melanoma-back.jpg',
      metadata: await metadataOf(localizedSample),
    });
    assert.equal(response.status, 200);
    const { record, reused } = (await response.json()) as JobBody;
    assert.equal(reused, true);
    assert.equal(record.requestId, 'gateway-7f3a.1', 'the first run’s record');
  });

  it('names an upload without a key itself, under the input prefix', async () => {
    const response = await api.upload(widespread, { metadata: await metadataOf(widespreadSample) });
    assert.equal(response.status, 200);
    const { record } = (await response.json()) as JobBody;
    assert.match(record.source.key, /^uploads\/http\/[0-9a-f-]{36}\.jpg$/);
    assert.equal(record.route?.name, 'widespread-rash');
    assert.equal(record.localization, null);
    assert.equal(record.classification?.labels[0]?.label, 'plaque-psoriasis');
    assert.match(response.headers.get('x-request-id') ?? '', uuid);
    assert.equal(record.requestId, response.headers.get('x-request-id'));
  });

  it('replaces an incoming x-request-id that is not a plain token', async () => {
    for (const incoming of ['two words', 'x'.repeat(129), 'line\\nbreak', '-leading-dash']) {
      const response = await api.get('/healthz', { 'x-request-id': incoming });
      assert.match(response.headers.get('x-request-id') ?? '', uuid, incoming);
    }
  });

  it('reads metadata sent as UTF-8 and keeps the patient’s name out of the record', async () => {
    const name = 'Zoë Þórsdóttir';
    const metadata = JSON.stringify({
      extent: 'widespread',
      bodySite: 'trunk',
      patientName: name,
      notes: `${name} reports an itchy rash since the holidays.`,
    });
    const key = 'uploads/clinic-a/zoe-thorsdottir-rash.jpg';
    const response = await api.upload(widespread, {
      key,
      // HTTP carries bytes: the UTF-8 bytes of the JSON, one header character per byte.
      metadata: Buffer.from(metadata, 'utf8').toString('latin1'),
    });
    assert.equal(response.status, 200);
    const { record } = (await response.json()) as JobBody;
    assert.equal((await deps.blobStore.head(key)).metadata.patientName, name, 'stored as sent');
    assert.equal(record.context?.notesRedactions?.name, 1, 'the name was removed from the notes');
    assert.ok(!JSON.stringify(record).includes('Zoë'), 'no identifier in the record');
  });

  it('fetches one stored record by id and 404s an unknown one', async () => {
    const uploaded = (await (
      await api.upload(localized, {
        key: 'uploads/clinic-a/melanoma-back.jpg',
        metadata: await metadataOf(localizedSample),
      })
    ).json()) as JobBody;
    const response = await api.get(`/v1/records/${uploaded.record.id}`, { 'x-request-id': 'get-one' });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { record: uploaded.record });
    assert.equal(requestLogs('get-one')[0]?.route, '/v1/records/:id', 'the pattern, not the path');

    await errorResponse(await api.get('/v1/records/rec_00000000000000000000000000000000'), {
      status: 404,
      code: 'RECORD_NOT_FOUND',
      step: 'request',
    });
    await errorResponse(await api.get('/v1/records/..%2F..%2Fetc'), {
      status: 404,
      code: 'RECORD_NOT_FOUND',
      step: 'request',
    });
  });

  describe('bad input: a failed record and a 4xx naming its code', () => {
    const cases: {
      name: string;
      image: () => Promise<Buffer>;
      metadata?: string;
      contentType?: string;
      status: number;
      code: string;
      step: string;
    }[] = [
      {
        name: 'a truncated JPEG',
        image: async () => localized.subarray(0, Math.floor(localized.length / 2)),
        status: 422,
        code: 'CORRUPT_IMAGE',
        step: 'fetch-image',
      },
      {
        name: 'an empty body',
        image: async () => Buffer.alloc(0),
        status: 422,
        code: 'EMPTY_OBJECT',
        step: 'fetch-image',
      },
      {
        name: 'text sent as image/jpeg',
        image: async () => Buffer.from('Patient photo to follow.\n'),
        status: 422,
        code: 'UNSUPPORTED_FORMAT',
        step: 'fetch-image',
      },
      {
        name: 'a decompression bomb (PNG header claiming 20000 x 20000)',
        image: async () => Buffer.concat([pngSignature, pngHeaderChunk(20_000, 20_000)]),
        contentType: 'image/png',
        status: 422,
        code: 'IMAGE_TOO_LARGE',
        step: 'fetch-image',
      },
      {
        name: 'metadata that is not JSON',
        image: async () => localized,
        metadata: '{"extent": "localized", "age": ',
        status: 422,
        code: 'INVALID_METADATA',
        step: 'load-context',
      },
      {
        name: 'wrongly typed metadata',
        image: async () => localized,
        metadata: JSON.stringify({ extent: 'localized', age: 'fifty', bodySite: 42 }),
        status: 422,
        code: 'INVALID_METADATA',
        step: 'load-context',
      },
    ];
    for (const bad of cases) {
      it(`answers ${bad.name} with ${bad.status} ${bad.code} and the stored failed record`, async () => {
        const response = await api.upload(await bad.image(), {
          metadata: bad.metadata,
          contentType: bad.contentType,
        });
        const body = await errorResponse(response, bad);
        assert.ok(body.record);
        assert.equal(body.record.status, 'failed');
        assert.deepEqual(body.record.error, body.error);
        assert.deepEqual(
          await (await api.get(`/v1/records/${body.record.id}`)).json(),
          { record: body.record },
          'the record is stored',
        );
      });
    }
  });

  it('runs POST /v1/jobs for an object already in the blob store, and 404s a missing one', async () => {
    await storeUpload(deps.blobStore, {
      key: 'uploads/batch-7/psoriasis.jpg',
      image: widespread,
      metadata: Buffer.from(await metadataOf(widespreadSample)),
    });
    const response = await api.job(JSON.stringify({ key: 'uploads/batch-7/psoriasis.jpg' }));
    assert.equal(response.status, 200);
    const { record } = (await response.json()) as JobBody;
    assert.deepEqual(
      [record.status, record.source.key, record.trigger],
      ['succeeded', 'uploads/batch-7/psoriasis.jpg', 'http'],
    );

    const missing = await errorResponse(await api.job(JSON.stringify({ key: 'uploads/batch-7/nope.jpg' })), {
      status: 404,
      code: 'OBJECT_NOT_FOUND',
      step: 'load-context',
    });
    assert.equal(missing.record?.status, 'failed');
  });

  it('refuses job requests that are not JSON, not the right shape or name a key out of scope, with 400', async () => {
    await errorResponse(await api.job('{"key": "uploads/a.jpg"'), {
      status: 400,
      code: 'INVALID_REQUEST',
      step: 'request',
    });
    const refused = [
      '[]',
      '{}',
      JSON.stringify({ key: 5 }),
      JSON.stringify({ key: 'uploads/a.jpg', priority: 'high' }),
      JSON.stringify({ key: '' }),
      JSON.stringify({ key: 'elsewhere/a.jpg' }),
      JSON.stringify({ key: 'derived/crops/rec_1.jpg' }),
      JSON.stringify({ key: 'uploads/../secrets.txt' }),
      JSON.stringify({ key: 'uploads//a.jpg' }),
      JSON.stringify({ key: 'uploads/a.jpg.meta.json' }),
      JSON.stringify({ key: 'uploads/a\u0000.jpg' }),
      JSON.stringify({ key: `uploads/${'a'.repeat(1100)}.jpg` }),
    ];
    for (const body of refused) {
      const { error } = await errorResponse(await api.job(body), {
        status: 400,
        code: 'INVALID_REQUEST',
        step: 'request',
      });
      assert.ok(!error.message.includes('secrets'), 'the key is not repeated back');
    }
    await errorResponse(await api.job('key=uploads/a.jpg', 'application/x-www-form-urlencoded'), {
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      step: 'request',
    });
  });

  it('refuses uploads that are not images (415) or name a key out of scope (400), storing nothing', async () => {
    await errorResponse(await api.upload(localized, { contentType: 'text/plain' }), {
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      step: 'request',
    });
    for (const key of ['outside/a.jpg', 'derived/a.jpg', 'uploads/a.jpg.meta.json']) {
      await errorResponse(await api.upload(localized, { key }), {
        status: 400,
        code: 'INVALID_REQUEST',
        step: 'request',
      });
    }
    await errorResponse(
      await fetch(`${server.url}/v1/uploads?key=uploads/a.jpg&key=uploads/b.jpg`, {
        method: 'POST',
        body: localized,
        headers: { 'content-type': 'image/jpeg' },
      }),
      { status: 400, code: 'INVALID_REQUEST', step: 'request' },
    );
    await assert.rejects(deps.blobStore.head('outside/a.jpg'));
  });

  it('lists records newest first, filtered by status, and refuses a bad query with 400', async () => {
    const all = (await (await api.get('/v1/records')).json()) as { records: InferenceRecord[] };
    assert.ok(all.records.length >= 5);
    const times = all.records.map((record) => record.createdAt);
    assert.deepEqual(times, [...times].sort().reverse());

    const failed = (await (await api.get('/v1/records?status=failed&limit=20')).json()) as {
      records: InferenceRecord[];
    };
    assert.ok(failed.records.length >= 6);
    assert.ok(failed.records.every((record) => record.status === 'failed'));
    const two = (await (await api.get('/v1/records?limit=2')).json()) as { records: InferenceRecord[] };
    assert.equal(two.records.length, 2);

    for (const query of ['status=weird', 'limit=0', 'limit=101', 'limit=2.5', 'limit=ten', 'sort=asc']) {
      await errorResponse(await api.get(`/v1/records?${query}`), {
        status: 400,
        code: 'INVALID_REQUEST',
        step: 'request',
      });
    }
  });

  it('answers unknown routes with 404 and wrong methods with 405 and Allow, in the same JSON shape', async () => {
    for (const path of ['/v2/uploads', '/v1/records/a/b', '/v1/uploads/']) {
      await errorResponse(await api.get(path), { status: 404, code: 'NOT_FOUND', step: 'request' });
    }
    const wrong: [string, string, string][] = [
      ['GET', '/v1/uploads', 'POST'],
      ['PUT', '/v1/jobs', 'POST'],
      ['DELETE', '/v1/records/rec_1', 'GET, HEAD'],
      ['POST', '/v1/records', 'GET, HEAD'],
      ['POST', '/healthz', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of wrong) {
      const response = await fetch(`${server.url}${path}`, { method });
      assert.equal(response.headers.get('allow'), allow, `${method} ${path}`);
      await errorResponse(response, { status: 405, code: 'METHOD_NOT_ALLOWED', step: 'request' });
    }
  });

  it('answers 409 IN_PROGRESS with Retry-After while another run holds the object', async () => {
    const key = 'uploads/batch-7/claimed.jpg';
    await storeUpload(deps.blobStore, {
      key,
      image: localized,
      metadata: Buffer.from(await metadataOf(localizedSample)),
    });
    const { etag } = await deps.blobStore.head(key);
    const id = recordIdFor({ bucket: deps.blobStore.bucket, key, etag });
    assert.ok(await deps.resultStore.claim(id, { owner: 'another-run', leaseMs: 60_000 }));

    const response = await api.job(JSON.stringify({ key }));
    assert.equal(response.headers.get('retry-after'), '5');
    const body = await errorResponse(response, {
      status: 409,
      code: 'IN_PROGRESS',
      step: 'load-context',
      retriable: true,
    });
    assert.equal(body.record, undefined, 'nothing was stored');

    await deps.resultStore.release(id, 'another-run');
    assert.equal((await api.job(JSON.stringify({ key }))).status, 200);
  });

  it('answers 504 DEADLINE_EXCEEDED when the job deadline (jobTimeoutMs) passes', async () => {
    const hurried = await access.start({ ...deps, jobTimeoutMs: 1 }, { inputPrefix: config.inputPrefix });
    try {
      const body = await errorResponse(
        await client(hurried.url, fetch).upload(localized, { metadata: await metadataOf(localizedSample) }),
        // Whichever step the deadline caught.
        { status: 504, code: 'DEADLINE_EXCEEDED', retriable: true },
      );
      assert.equal(body.record?.status, 'failed');
    } finally {
      await hurried.close();
    }
  });

  it('refuses a body over limits.maxImageBytes with 413 before storing it, declared or streamed', async () => {
    const small = await access.start(
      { ...deps, limits: { ...deps.limits, maxImageBytes: 4096 } },
      { inputPrefix: config.inputPrefix },
    );
    try {
      const declared = await client(small.url, fetch).upload(localized, {
        key: 'uploads/too-big/declared.jpg',
      });
      assert.equal(declared.headers.get('connection'), 'close');
      await errorResponse(declared, { status: 413, code: 'OBJECT_TOO_LARGE', step: 'request' });

      const streamed = await fetch(`${small.url}/v1/uploads?key=uploads/too-big/streamed.jpg`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: new ReadableStream({
          start(controller) {
            for (let offset = 0; offset < localized.length; offset += 1024) {
              controller.enqueue(localized.subarray(offset, offset + 1024));
            }
            controller.close();
          },
        }),
        duplex: 'half',
      });
      await errorResponse(streamed, { status: 413, code: 'OBJECT_TOO_LARGE', step: 'request' });
      for (const key of ['uploads/too-big/declared.jpg', 'uploads/too-big/streamed.jpg']) {
        await assert.rejects(deps.blobStore.head(key), `${key} was not stored`);
      }

      // An object already in the store over the limit fails in the pipeline, with a record.
      await storeUpload(deps.blobStore, { key: 'uploads/too-big/stored.jpg', image: localized });
      const body = await errorResponse(
        await client(small.url, fetch).job(JSON.stringify({ key: 'uploads/too-big/stored.jpg' })),
        { status: 413, code: 'OBJECT_TOO_LARGE', step: 'fetch-image' },
      );
      assert.equal(body.record?.status, 'failed');
    } finally {
      await small.close();
    }
  });

  it('refuses a job beyond maxConcurrentJobs with 503 SERVER_BUSY and Retry-After, then serves again', async () => {
    // The first upload is held inside the blob store, so it holds its job slot for sure.
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const store = deps.blobStore;
    const gated: BlobStore = {
      name: store.name,
      bucket: store.bucket,
      head: (key, options) => store.head(key, options),
      get: (key, options) => store.get(key, options),
      put: async (key, body, options) => {
        entered();
        await gate;
        return store.put(key, body, options);
      },
    };
    const busy = await access.start(
      { ...deps, blobStore: gated },
      { inputPrefix: config.inputPrefix, maxConcurrentJobs: 1 },
    );
    try {
      const key = 'uploads/busy/first.jpg';
      const first = client(busy.url, fetch).upload(localized, {
        key,
        metadata: await metadataOf(localizedSample),
      });
      await inside;
      const refused = await client(busy.url, fetch).job(JSON.stringify({ key }));
      assert.equal(refused.headers.get('retry-after'), '1');
      await errorResponse(refused, { status: 503, code: 'SERVER_BUSY', step: 'request', retriable: true });
      release();
      assert.equal((await first).status, 200);
      assert.equal(
        (await client(busy.url, fetch).job(JSON.stringify({ key }))).status,
        200,
        'the slot is free again',
      );
    } finally {
      release();
      await busy.close();
    }
  });

  it('logged one line per request and never a key, metadata or notes', () => {
    const requests = logLines.filter((line) => line.message === 'http request');
    assert.ok(requests.length >= 60);
    for (const line of requests) {
      assert.deepEqual(
        Object.keys(line)
          .filter((name) => !['level', 'message', 'timestamp', 'time', 'service'].includes(name))
          .sort(),
        ['durationMs', 'method', 'requestId', 'route', 'status'],
      );
    }
    const everything = JSON.stringify(logLines);
    for (const secret of ['uploads/', 'clinic-a', 'batch-7', 'Zoë', 'itchy rash', 'Pigmented lesion']) {
      assert.ok(!everything.includes(secret), `the logs do not contain ${secret}`);
    }
  });

  it('finishes a request in flight when closed, then refuses connections', async () => {
    const closing = await access.start(deps, { inputPrefix: config.inputPrefix });
    const half = Math.floor(widespread.length / 2);
    let sendRest: () => void = () => undefined;
    const pending = fetch(`${closing.url}/v1/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', 'x-ddx-metadata': await metadataOf(widespreadSample) },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(widespread.subarray(0, half));
          sendRest = () => {
            controller.enqueue(widespread.subarray(half));
            controller.close();
          };
        },
      }),
      duplex: 'half',
    });
    // The request's headers are in: the upload is in flight when the server is told to close.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const closed = closing.close();
    sendRest();
    const response = await pending;
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('connection'), 'close', 'the client is told not to reuse it');
    assert.equal(((await response.json()) as JobBody).record.status, 'succeeded');
    await closed;
    await assert.rejects(fetch(`${closing.url}/healthz`));
  });
});

describe('HTTP server with a remote detector that is down', () => {
  let deps: ComposedDependencies;
  let access: TestAccess;
  let fetch: typeof globalThis.fetch;
  let server: RunningServer;

  before(async () => {
    // A port nobody listens on: the detector's calls are refused, a transient failure.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));

    const dataDir = await createDataDir();
    const models = join(packageRoot, 'models');
    const routesPath = join(dataDir, 'routes.yaml');
    await writeFile(
      routesPath,
      `models:
  lesion-detector:
    kind: roboflow
    project: lesion-detector
    version: 1
    card: ${join(models, 'lesion-detector.card.json')}
    apiUrl: http://127.0.0.1:${closedPort}
  lesion-classifier: { kind: onnx, path: ${join(models, 'lesion-classifier.onnx')} }
routes:
  - name: localized-lesion
    when: { extent: localized }
    detector: lesion-detector
    classifier: lesion-classifier
    prompt: ddx-recommendations
`,
    );
    const config = loadConfig({
      DDX_DATA_DIR: dataDir,
      DDX_ROUTES: routesPath,
      DDX_CALL_ATTEMPTS: '1',
      DDX_LOG_LEVEL: 'silent',
    });
    deps = await composeDependencies(config);
    access = await testAccess(config);
    fetch = fetchWith(access.admin);
    server = await access.start(deps, { inputPrefix: config.inputPrefix });
  });
  after(async () => {
    await server.close();
    await deps.close();
    await access.close();
  });

  it('answers 503 with Retry-After and the retriable failed record', async () => {
    const response = await client(server.url, fetch).upload(await readFile(localizedSample), {
      metadata: await metadataOf(localizedSample),
    });
    assert.equal(response.headers.get('retry-after'), '5');
    const body = await errorResponse(response, {
      status: 503,
      code: 'DEPENDENCY_UNAVAILABLE',
      step: 'localize',
      retriable: true,
    });
    assert.equal(body.record?.status, 'failed');
  });
});

describe('ddx serve', () => {
  let child: ChildProcess | undefined;
  after(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('serves the API through the built CLI, logs each request and stops cleanly on SIGTERM', async () => {
    const dataDir = await createDataDir();
    const created = await runCli(['tokens', 'create', '--role', 'uploader', '--name', 'ward-3-camera'], {
      DDX_DATA_DIR: dataDir,
    });
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^ddx_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/);
    assert.match(created.stderr, /shown only this once/);
    const serving = spawn(process.execPath, [join(packageRoot, 'bin/ddx.js'), 'serve', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', DDX_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = serving;
    let stderr = '';
    serving.stderr?.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed:\n${stderr}`)), 60_000);
      serving.stderr?.on('data', (chunk: string) => {
        stderr += chunk;
        const found = /serving the HTTP API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (found?.[1]) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
      serving.once('exit', (code) => reject(new Error(`ddx serve exited with ${code}:\n${stderr}`)));
    });

    const api = client(url, fetchWith({ authorization: `Bearer ${token}` }));
    assert.equal((await api.get('/healthz')).status, 200);
    const response = await api.upload(await readFile(widespreadSample), {
      key: 'uploads/ward-3/psoriasis-trunk.jpg',
      metadata: await metadataOf(widespreadSample),
    });
    assert.equal(response.status, 200);
    const { record } = (await response.json()) as JobBody;
    assert.equal(record.classification?.labels[0]?.label, 'plaque-psoriasis');
    assert.deepEqual(await (await api.get(`/v1/records/${record.id}`)).json(), { record });

    const exited = once(serving, 'exit');
    serving.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, stderr);
    const requests = stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.message === 'http request');
    assert.deepEqual(
      requests.map((line) => [line.method, line.route, line.status]),
      [
        ['GET', '/healthz', 200],
        ['POST', '/v1/uploads', 200],
        ['GET', '/v1/records/:id', 200],
      ],
    );
    assert.ok(!stderr.includes('ward-3'), 'the key is not logged');
  });
});
