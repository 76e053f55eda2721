/**
 * `npm run bench:remote` (P2): the production composition with every remote service at a fixed
 * delay, against the same uploads at zero delay, in one run. The services are real protocol
 * servers on loopback: s3rver (S3), dynalite (DynamoDB), `ddx serve-models` in its own process
 * (Roboflow detect and SageMaker runtime), and the loopback Langfuse and OpenAI-compatible servers
 * the tests use; each sits behind a proxy (test/support/fault-proxy.ts) that can hold every
 * request for a fixed time. Jobs run as Lambda runs them: an S3 notification (with the ETag)
 * through `processEvent`, one object at a time.
 *
 * Each sample is uploaded twice per round and run once without delays and once with them, the
 * order alternating between rounds. Per job:
 * - critical-path ratio: delayed wall / (zero-delay wall + the unavoidable chain). The chain is
 *   what data dependencies force in sequence: the image download (or the record lookup and claim
 *   beside it, if longer), the detector, the classifier, the LLM and the record write;
 * - naive-sum ratio: delayed wall / (zero-delay wall + every delayed request's delay, one after
 *   another), what a pipeline that overlapped nothing would pay.
 *
 * Environment: BENCH_ROUNDS (4), BENCH_DELAYS (ms, `s3=20,dynamodb=10,models=30,langfuse=20,llm=40`).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { loadRoutingTable } from '../src/clinical/routing-table.js';
import { composeDependencies } from '../src/compose.js';
import { loadConfig, packageRoot } from '../src/config.js';
import { processEvent } from '../src/triggers/process-event.js';
import { startDynalite } from '../test/support/dynalite.js';
import { type FaultProxy, startFaultProxy } from '../test/support/fault-proxy.js';
import {
  loopbackAwsEnvironment,
  remoteCompositionEnvironment,
} from '../test/support/loopback-aws-environment.js';
import { startLoopbackLangfuseServer } from '../test/support/loopback-langfuse-server.js';
import { LoopbackOpenAiServer } from '../test/support/loopback-openai-server.js';
import { startModelServerProcess } from '../test/support/model-server-process.js';
import { writeRemoteRoutingTable } from '../test/support/remote-routing-table.js';
import { startS3rver } from '../test/support/s3rver.js';
import { encodeS3EventKey, s3Notification } from '../test/support/trigger-events.js';
import { machineLine, reportFigures } from './bench-report.js';
import { median } from './percentiles.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const services = ['s3', 'dynamodb', 'models', 'langfuse', 'llm'] as const;
type Service = (typeof services)[number];
const delays = parseDelays(process.env.BENCH_DELAYS ?? 's3=20,dynamodb=10,models=30,langfuse=20,llm=40');
const bucket = 'ddx-bench-remote';
const table = 'ddx-bench-remote';
const roboflowApiKey = 'bench-remote-key';

function parseDelays(text: string): Record<Service, number> {
  const entries = Object.fromEntries(
    text.split(',').map((pair) => pair.split('=').map((part) => part.trim())),
  );
  return Object.fromEntries(
    services.map((service) => {
      const value = Number(entries[service]);
      if (!Number.isFinite(value) || value < 0) throw new Error(`BENCH_DELAYS needs ${service}=<ms>`);
      return [service, value];
    }),
  ) as Record<Service, number>;
}

async function main(): Promise<void> {
  const localRoutesPath = join(packageRoot, 'models/routes.yaml');
  const localRoutes = await loadRoutingTable(localRoutesPath);
  const workspace = await mkdtemp(join(tmpdir(), 'ddx-bench-remote-'));
  const [s3, dynamo, langfuse, llm, modelServer] = await Promise.all([
    startS3rver(bucket),
    startDynalite(table),
    startLoopbackLangfuseServer(),
    new LoopbackOpenAiServer().start(),
    startModelServerProcess({ routesPath: localRoutesPath, roboflowApiKey }),
  ]);
  const bundled = JSON.parse(await readFile(join(packageRoot, 'prompts/ddx-recommendations.json'), 'utf8'));
  langfuse.addPrompt({ ...bundled, version: 2, labels: ['production'] });

  const proxyList = await Promise.all(
    [s3.endpoint, dynamo.endpoint, modelServer.url, langfuse.baseUrl, llm.url].map(startFaultProxy),
  );
  const proxies = Object.fromEntries(services.map((service, index) => [service, proxyList[index]])) as Record<
    Service,
    FaultProxy
  >;

  // The AWS SDK reads its endpoints from the process environment, as in a deployment.
  Object.assign(process.env, {
    ...loopbackAwsEnvironment({
      s3: proxies.s3.url,
      dynamodb: proxies.dynamodb.url,
      sageMakerRuntime: proxies.models.url,
    }),
    LANGFUSE_LOG_LEVEL: 'NONE',
  });
  const routes = await writeRemoteRoutingTable(localRoutes, workspace, proxies.models.url);
  const deps = await composeDependencies(
    loadConfig({
      DDX_DATA_DIR: join(workspace, 'data'),
      ...remoteCompositionEnvironment({
        bucket,
        table,
        routes,
        roboflowApiKey,
        langfuse: {
          baseUrl: proxies.langfuse.url,
          publicKey: langfuse.publicKey,
          secretKey: langfuse.secretKey,
        },
        llmUrl: proxies.llm.url,
      }),
    }),
  );

  const sampleDir = join(packageRoot, 'samples');
  const samples = await Promise.all(
    (await readdir(sampleDir))
      .filter((name) => name.endsWith('.jpg'))
      .sort()
      .map(async (name) => ({
        name,
        body: await readFile(join(sampleDir, name)),
        metadata: JSON.parse(await readFile(join(sampleDir, `${name}.meta.json`), 'utf8')) as Record<
          string,
          unknown
        >,
      })),
  );

  let uploads = 0;
  async function runJob(sample: (typeof samples)[number], delayed: boolean) {
    const key = `uploads/remote-${++uploads}-${sample.name}`;
    const metadata = Object.fromEntries(
      Object.entries(sample.metadata).map(([name, value]) => [name, String(value)]),
    );
    const put = await s3.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: sample.body,
        ContentType: 'image/jpeg',
        Metadata: metadata,
      }),
    );
    const event = s3Notification([
      {
        bucket,
        encodedKey: encodeS3EventKey(key),
        etag: (put.ETag ?? '').replace(/"/g, ''),
        size: sample.body.length,
      },
    ]);
    for (const service of services) {
      proxies[service].reset();
      if (delayed && delays[service] > 0) {
        proxies[service].inject(
          { kind: 'delay', delayMs: delays[service] },
          { times: Number.MAX_SAFE_INTEGER },
        );
      }
    }
    const start = performance.now();
    const { outcomes } = await processEvent(event, deps, {
      inputPrefix: 'uploads/',
      requestId: `bench-${uploads}`,
      concurrency: 1,
    });
    const wallMs = performance.now() - start;
    const record = outcomes[0]?.record;
    if (record?.status !== 'succeeded')
      throw new Error(`${key} ended ${record?.status ?? 'without a record'}`);
    // Requests that left before the answer: a background release of the claim counts as well.
    const requests = Object.fromEntries(
      services.map((service) => [service, proxies[service].seen.length]),
    ) as Record<Service, number>;
    return { wallMs, record, requests };
  }

  /** What the data dependencies force in sequence (see the header). */
  const chainMs = (hasDetector: boolean) =>
    Math.max(delays.s3, 2 * delays.dynamodb) +
    (hasDetector ? delays.models : 0) +
    delays.models +
    delays.llm +
    delays.dynamodb;

  // Warm-up: clients, connections, model sessions, the prompt cache.
  for (const sample of samples) {
    await runJob(sample, false);
    await runJob(sample, true);
  }

  const criticalRatios: number[] = [];
  const naiveRatios: number[] = [];
  const extraMs: number[] = [];
  const requestCounts: Record<Service, number[]> = {
    s3: [],
    dynamodb: [],
    models: [],
    langfuse: [],
    llm: [],
  };
  for (let round = 0; round < rounds; round++) {
    for (const sample of samples) {
      const delayedFirst = round % 2 === 1;
      const first = await runJob(sample, delayedFirst);
      const second = await runJob(sample, !delayedFirst);
      const [zero, delayed] = delayedFirst ? [second, first] : [first, second];
      const chain = chainMs(
        delayed.record.route?.detector !== null && delayed.record.route?.detector !== undefined,
      );
      const naive = services.reduce((sum, service) => sum + delayed.requests[service] * delays[service], 0);
      criticalRatios.push(delayed.wallMs / (zero.wallMs + chain));
      naiveRatios.push(delayed.wallMs / (zero.wallMs + naive));
      extraMs.push(delayed.wallMs - zero.wallMs - chain);
      for (const service of services) requestCounts[service].push(delayed.requests[service]);
    }
  }

  await deps.close();
  await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
  await Promise.all([s3.close(), dynamo.close(), langfuse.close(), llm.close(), modelServer.stop()]);
  await rm(workspace, { recursive: true, force: true });

  console.log(
    `DDx Assist remote-path benchmark (${rounds} rounds x ${samples.length} samples, each with and without delays)`,
  );
  console.log(`  ${machineLine()}`);
  console.log(
    `  delays per request (ms): ${services.map((service) => `${service} ${delays[service]}`).join(', ')}`,
  );
  console.log(
    `  requests per job (median): ${services.map((service) => `${service} ${median(requestCounts[service])}`).join(', ')}`,
  );
  console.log(
    `  delayed wall minus (zero-delay wall + chain): median ${median(extraMs).toFixed(1)} ms per job`,
  );
  reportFigures(
    'remote',
    { p2CriticalPathRatio: median(criticalRatios), p2NaiveSumRatio: median(naiveRatios) },
    { p2CriticalPathRatio: { max: 1.02 } },
  );
}

await main();
