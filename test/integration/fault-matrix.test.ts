/**
 * docs/faults.md, cell by cell: each row names a dependency and a fault, each column whether the
 * fault hits once or every attempt, and each cell the outcome this test asserts. The pipeline is
 * composed from environment variables as in production and talks to real protocol servers
 * (s3rver, dynalite), the real model server, and the loopback Langfuse and OpenAI servers, each
 * behind a fault proxy. Every cell checks that nothing is lost: a record, or an event the
 * platform retries.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createDynamoDbResultStore } from '../../src/adapters/result-store/dynamodb.js';
import { loadRoutingTable } from '../../src/clinical/routing-table.js';
import { type ComposedDependencies, composeDependencies, routedModelProvider } from '../../src/compose.js';
import { loadConfig, packageRoot } from '../../src/config.js';
import { type RunningModelServer, startModelServer } from '../../src/model-server/model-server.js';
import type { InferenceRecord } from '../../src/record.js';
import { processEvent, TransientFailuresError } from '../../src/triggers/process-event.js';
import { type RunningDynalite, startDynalite } from '../support/dynalite.js';
import {
  dynamoDbError,
  type Fault,
  type FaultProxy,
  type ProxiedRequest,
  s3Error,
  startFaultProxy,
} from '../support/fault-proxy.js';
import { loopbackAwsEnvironment, remoteCompositionEnvironment } from '../support/loopback-aws-environment.js';
import {
  type LoopbackLangfuseServer,
  startLoopbackLangfuseServer,
} from '../support/loopback-langfuse-server.js';
import { LoopbackOpenAiServer } from '../support/loopback-openai-server.js';
import { writeRemoteRoutingTable } from '../support/remote-routing-table.js';
import { type RunningS3rver, startS3rver } from '../support/s3rver.js';
import { encodeS3EventKey, s3Notification } from '../support/trigger-events.js';

const bucket = 'ddx-fault-matrix';
const table = 'ddx-fault-matrix';
/** The job's time in the "slower than the deadline" cells; the slow answer comes far later. */
const deadlineCellBudgetMs = 2_500;
const slowAnswerMs = 10_000;

const faultNames = [
  'timeout',
  'reset',
  'throttled',
  'server error',
  'malformed',
  'slower than the deadline',
] as const;
type FaultName = (typeof faultNames)[number];

const dependencyNames = [
  'blob get',
  'blob put',
  'detector',
  'classifier',
  'prompt source',
  'LLM',
  'result store',
] as const;
type DependencyName = (typeof dependencyNames)[number];

interface Cell {
  dependency: DependencyName;
  fault: FaultName;
  variant: 'once' | 'every attempt';
  expected: string;
}

/** The outcome table of docs/faults.md, one cell per test. */
async function cellsFromDocs(): Promise<Cell[]> {
  const markdown = await readFile(join(packageRoot, 'docs/faults.md'), 'utf8');
  const section = markdown.slice(markdown.indexOf('## Outcomes'));
  const cells: Cell[] = [];
  for (const line of section.split('\n')) {
    const columns = line
      .split('|')
      .slice(1, -1)
      .map((column) => column.trim());
    const [dependency, fault, once, every] = columns;
    if (!dependencyNames.includes(dependency as DependencyName)) continue;
    assert.ok(faultNames.includes(fault as FaultName), `a known fault: ${line}`);
    for (const [variant, expected] of [
      ['once', once],
      ['every attempt', every],
    ] as const) {
      if (expected && expected !== '—') {
        cells.push({
          dependency: dependency as DependencyName,
          fault: fault as FaultName,
          variant,
          expected,
        });
      }
    }
  }
  return cells;
}

// ---------------------------------------------------------------------------------------------
// The dependencies' own answers, in their wire shapes.

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Fault => ({
  kind: 'respond',
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

const sageMakerError = (status: number, type: string, message: string): Fault =>
  json(status, { message }, { 'x-amzn-errortype': type, 'x-amzn-requestid': 'FAULTPROXY' });

/** An assistant reply that is not the JSON the request asked for. */
const chatCompletionWithProse = json(200, {
  id: 'chatcmpl-fault',
  object: 'chat.completion',
  created: 1_764_331_200,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Sorry, I can only describe this lesion in prose.',
        refusal: null,
      },
      finish_reason: 'stop',
      logprobs: null,
    },
  ],
  usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
});

const cutShortJson = json(200, '{"predictions": [{"class": "lesion", "confid');

type WireFaults = Record<Exclude<FaultName, 'timeout' | 'reset' | 'slower than the deadline'>, Fault>;

const wireFaults: Record<DependencyName, WireFaults> = {
  'blob get': {
    throttled: s3Error(503, 'SlowDown'),
    'server error': s3Error(500, 'InternalError'),
    malformed: {
      kind: 'respond',
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
    },
  },
  'blob put': {
    throttled: s3Error(503, 'SlowDown'),
    'server error': s3Error(500, 'InternalError'),
    malformed: { kind: 'respond', status: 200, headers: { 'content-type': 'text/html' }, body: '<html>' },
  },
  detector: {
    throttled: json(429, { message: 'Rate limit exceeded' }),
    'server error': json(503, { message: 'Service Unavailable' }),
    malformed: cutShortJson,
  },
  classifier: {
    throttled: sageMakerError(400, 'ThrottlingException', 'Rate exceeded'),
    'server error': sageMakerError(503, 'ServiceUnavailable', 'Service Unavailable'),
    malformed: cutShortJson,
  },
  'prompt source': {
    throttled: json(429, { message: 'Too many requests' }),
    'server error': json(503, { message: 'Service Unavailable' }),
    malformed: json(200, '{"name": "ddx-recommendations", "prom'),
  },
  LLM: {
    throttled: json(
      429,
      {
        error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' },
      },
      { 'retry-after': '0' },
    ),
    'server error': json(503, {
      error: { message: 'The engine is currently overloaded', type: 'server_error', param: null, code: null },
    }),
    malformed: chatCompletionWithProse,
  },
  'result store': {
    throttled: dynamoDbError(400, 'ThrottlingException'),
    'server error': dynamoDbError(500, 'InternalServerError'),
    malformed: {
      kind: 'respond',
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: '{"Item": {"id": {"S": "rec_',
    },
  },
};

function faultFor(dependency: DependencyName, fault: FaultName): Fault {
  switch (fault) {
    case 'timeout':
      return { kind: 'hang' };
    case 'reset':
      return { kind: 'reset' };
    case 'slower than the deadline':
      return { kind: 'delay', delayMs: slowAnswerMs };
    default:
      return wireFaults[dependency][fault];
  }
}

// ---------------------------------------------------------------------------------------------

interface Stack {
  s3: RunningS3rver;
  dynamo: RunningDynalite;
  models: RunningModelServer;
  langfuse: LoopbackLangfuseServer;
  llm: LoopbackOpenAiServer;
  proxies: Record<'s3' | 'dynamo' | 'roboflow' | 'sageMaker' | 'langfuse' | 'llm', FaultProxy>;
  deps: ComposedDependencies;
  deadlineDeps: ComposedDependencies;
}

const isImageKey = (key: string) => (request: ProxiedRequest) =>
  request.path.includes(encodeURIComponent(key.split('/').pop() ?? key));

/** Which proxy a dependency's requests cross, and which of them are its own. */
function target(stack: Stack, dependency: DependencyName, key: string) {
  switch (dependency) {
    case 'blob get':
      return {
        proxy: stack.proxies.s3,
        sends: (request: ProxiedRequest) =>
          request.method === 'GET' && isImageKey(key)(request) && !request.path.includes('.meta.json'),
      };
    case 'blob put':
      return { proxy: stack.proxies.s3, sends: (request: ProxiedRequest) => request.method === 'PUT' };
    case 'detector':
      return { proxy: stack.proxies.roboflow, sends: () => true };
    case 'classifier':
      return { proxy: stack.proxies.sageMaker, sends: () => true };
    case 'prompt source':
      return { proxy: stack.proxies.langfuse, sends: () => true };
    case 'LLM':
      return { proxy: stack.proxies.llm, sends: () => true };
    case 'result store':
      return { proxy: stack.proxies.dynamo, sends: () => true };
  }
}

describe('fault matrix (docs/faults.md)', async () => {
  const cells = await cellsFromDocs();
  let stack: Stack;
  let workspace: string;
  let upload = 0;

  before(async () => {
    const localRoutes = await loadRoutingTable(join(packageRoot, 'models/routes.yaml'));
    const [s3, dynamo, langfuse, llm, models] = await Promise.all([
      startS3rver(bucket),
      startDynalite(table),
      startLoopbackLangfuseServer(),
      new LoopbackOpenAiServer().start(),
      startModelServer({
        models: routedModelProvider(localRoutes),
        table: localRoutes,
        port: 0,
        host: '127.0.0.1',
      }),
    ]);
    const bundled = JSON.parse(await readFile(join(packageRoot, 'prompts/ddx-recommendations.json'), 'utf8'));
    // A newer version than the bundled one, so a served fallback shows.
    langfuse.addPrompt({ ...bundled, version: 7, labels: ['production'] });

    const [s3Proxy, dynamoProxy, roboflow, sageMaker, langfuseProxy, llmProxy] = await Promise.all(
      [s3.endpoint, dynamo.endpoint, models.url, models.url, langfuse.baseUrl, llm.url].map(startFaultProxy),
    );
    const proxies = {
      s3: s3Proxy,
      dynamo: dynamoProxy,
      roboflow,
      sageMaker,
      langfuse: langfuseProxy,
      llm: llmProxy,
    } as Stack['proxies'];
    for (const proxy of Object.values(proxies)) assert.ok(proxy);

    // The AWS SDK reads its endpoints from the process environment, as in a deployment.
    Object.assign(process.env, {
      ...loopbackAwsEnvironment({
        s3: proxies.s3.url,
        dynamodb: proxies.dynamo.url,
        sageMakerRuntime: proxies.sageMaker.url,
      }),
      // The Langfuse SDK reports failed fetches on the console; the adapter logs them already.
      LANGFUSE_LOG_LEVEL: 'NONE',
    });
    workspace = await mkdtemp(join(tmpdir(), 'ddx-fault-matrix-'));
    const routes = await writeRemoteRoutingTable(localRoutes, workspace, proxies.roboflow.url);
    const environment = {
      ...remoteCompositionEnvironment({
        bucket,
        table,
        routes,
        roboflowApiKey: 'loopback-key',
        langfuse: {
          baseUrl: proxies.langfuse.url,
          publicKey: langfuse.publicKey,
          secretKey: langfuse.secretKey,
        },
        llmUrl: proxies.llm.url,
      }),
      DDX_PROMPT_CACHE_TTL_SECONDS: '0',
      DDX_LLM_ATTEMPTS: '2',
      DDX_CALL_ATTEMPTS: '2',
      DDX_MIN_STEP_TIME_MS: '100',
    };
    const timeouts = (milliseconds: number) => ({
      DDX_PROMPT_FETCH_TIMEOUT_MS: String(milliseconds),
      DDX_LLM_TIMEOUT_MS: String(milliseconds),
      DDX_CALL_TIMEOUT_MS: String(milliseconds),
    });
    // Short call timeouts keep the timeout cells quick; the deadline cells need calls that would
    // outlast the job, so that the deadline, not a call's timeout, is what ends them.
    const [deps, deadlineDeps] = await Promise.all([
      composeDependencies(loadConfig({ ...environment, ...timeouts(800) })),
      composeDependencies(loadConfig({ ...environment, ...timeouts(30_000) })),
    ]);
    stack = { s3, dynamo, models, langfuse, llm, proxies, deps, deadlineDeps };
  });

  after(async () => {
    await Promise.all([stack?.deps.close(), stack?.deadlineDeps.close()]);
    await Promise.all(Object.values(stack?.proxies ?? {}).map((proxy) => proxy.close()));
    await Promise.all([
      stack?.s3.close(),
      stack?.dynamo.close(),
      stack?.models.close(),
      stack?.langfuse.close(),
      stack?.llm.close(),
    ]);
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  const storedRecord = async (id: string): Promise<InferenceRecord | undefined> =>
    createDynamoDbResultStore({ table, client: stack.dynamo.client }).get(id);

  /** Uploads a fresh copy of a sample and runs its S3 notification as Lambda would. */
  async function runCell(cell: Cell): Promise<string> {
    const key = `uploads/fault-${++upload}.jpg`;
    const body = await readFile(join(packageRoot, 'samples/localized-melanoma-back.jpg'));
    const put = await stack.s3.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: 'image/jpeg',
        Metadata: { extent: 'localized', 'body-site': 'back', age: '61' },
      }),
    );
    for (const proxy of Object.values(stack.proxies)) proxy.reset();
    const { proxy, sends } = target(stack, cell.dependency, key);
    proxy.inject(faultFor(cell.dependency, cell.fault), {
      times: cell.variant === 'once' ? 1 : 1_000,
      when: sends,
    });

    const eTag = (put.ETag ?? '').replace(/"/g, '');
    const event = s3Notification([
      { bucket, encodedKey: encodeS3EventKey(key), etag: eTag, size: body.length },
    ]);
    const deadlineCell = cell.fault === 'slower than the deadline';
    const deadline = deadlineCell ? Date.now() + deadlineCellBudgetMs : undefined;
    let retriedByPlatform = false;
    let recordId: string | undefined;
    try {
      const { outcomes } = await processEvent(event, deadlineCell ? stack.deadlineDeps : stack.deps, {
        inputPrefix: 'uploads/',
        requestId: `fault-${upload}`,
        concurrency: 1,
        deadline,
        writeDeadline: deadline === undefined ? undefined : deadline + 1_000,
      });
      recordId = outcomes[0]?.record?.id;
    } catch (error) {
      assert.ok(error instanceof TransientFailuresError, `only a retry request escapes: ${String(error)}`);
      retriedByPlatform = true;
      const [outcome] = error.outcomes;
      assert.equal(outcome?.kind, 'transient');
      recordId = outcome?.record?.id;
      if (!outcome?.record)
        return `no record, event retried: ${outcome?.kind === 'transient' ? outcome.code : '?'}`;
    }
    assert.ok(recordId, 'the run names its record');
    const record = await storedRecord(recordId);
    assert.ok(record, 'the record is in DynamoDB');
    // Nothing is lost: a record that may still succeed sends the event back to the platform.
    const mayRetry = record.status === 'failed' && record.error?.retriable === true;
    assert.equal(retriedByPlatform, mayRetry, 'the event is retried exactly when the failure is retriable');
    const attempts = proxy.seen.filter(sends);
    switch (record.status) {
      case 'failed':
        return `failed ${record.error?.code}, ${record.error?.retriable ? 'retriable' : 'not retriable'}`;
      case 'degraded':
        assert.equal(record.recommendation?.provider, 'knowledge-base', 'the knowledge base stands in');
        return `degraded ${record.error?.code}`;
      case 'succeeded':
        if (record.recommendation?.prompt.isFallback) return 'succeeded, bundled prompt';
        return attempts.length > 1 && attempts[0]?.outcome !== 'forwarded'
          ? 'retried, succeeded'
          : 'succeeded';
    }
  }

  it('reads a full table: every dependency against every fault', () => {
    for (const dependency of dependencyNames) {
      for (const fault of faultNames) {
        assert.ok(
          cells.some((cell) => cell.dependency === dependency && cell.fault === fault),
          `docs/faults.md has a row for ${dependency} / ${fault}`,
        );
      }
    }
  });

  for (const cell of cells) {
    it(`${cell.dependency} · ${cell.fault} · ${cell.variant}: ${cell.expected}`, async () => {
      assert.equal(await runCell(cell), cell.expected);
    });
  }
});
