/**
 * `node --import tsx bench/cold-start.bench.ts`: the Lambda bundle's cold start against a trivial
 * handler that imports the same AWS clients, in the same run, as a ratio.
 *
 * Each sample is a fresh `node` process (a new Lambda container): import the bundle's entry, then
 * invoke the handler once with an SQS-wrapped S3 notification for a new upload. The services are
 * real protocol servers on loopback: s3rver (S3), dynalite (DynamoDB) and `ddx serve-models`
 * (startModelServer) serving the demo ONNX models as SageMaker endpoints, so the handler does the
 * full job: head, sidecar and object reads, detector and classifier calls, a crop written back,
 * the knowledge-base recommendation, the claim and the record in DynamoDB. The baseline makes one
 * call per client for the same upload. Runs alternate handler and baseline, after one discarded
 * warm-up of each (disk cache, model sessions in the server).
 *
 * What P4 (handler load + first invocation over the baseline's) includes: the module load, the
 * configuration and clients made on the first invocation, and the whole first job as the stack
 * runs it, with the events it delivers before returning and the loopback servers' own time. What
 * it does not: Node's process start (the "whole process" column adds it), Lambda's own init (the
 * runtime, fetching the code package), real network latency to AWS (every service is on loopback
 * here), and Lambda's CPU share: these processes may use both cores of the machine, where a
 * 1536 MB function gets less than one vCPU (libvips' decoding threads gain less there). The baseline is not the same work: it makes one call per client (the object's GET, one
 * DynamoDB read, one InvokeEndpoint with the uploaded JPEG as it is), where the handler also reads
 * the head and the sidecar, calls the detector and the classifier, writes the crop, and claims and
 * writes the record; and it decodes nothing. So the ratio holds the job's own image work and extra
 * calls as well as the orchestrator's start-up; the job's step timings are printed to tell them
 * apart.
 *
 * Environment: BENCH_RUNS (default 5 each); BENCH_ROUTES, a routing table of local ONNX models to
 * serve (default models/routes.yaml: train the demo models first, training/README.md);
 * BENCH_CPU_PROFILE, a folder: every handler process writes a V8 CPU profile there (`--cpu-prof`,
 * for finding where the start-up goes; profiling slows the handler, so its figures are not P4).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import sharp from 'sharp';
import { bundledFileEnvironment, defaultLambdaCpu, lambdaBundleLayout } from '../infra/lambda-bundle.js';
import {
  type BundleSizes,
  bundleLambda,
  bundleSizes,
  defaultBundleOptions,
  lambdaBuildOptions,
  megabytes,
} from '../scripts/bundle-lambda.js';
import { loadRoutingTable } from '../src/clinical/routing-table.js';
import { routedModelProvider } from '../src/compose.js';
import { startModelServer } from '../src/model-server/model-server.js';
import { startDynalite } from '../test/support/dynalite.js';
import { writeRemoteRoutingTable } from '../test/support/remote-routing-table.js';
import { runNode } from '../test/support/run-node.js';
import { startS3rver } from '../test/support/s3rver.js';
import { reportFigures } from './bench-report.js';
import { photoLike } from './photo-like.js';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const localRoutes = resolve(process.env.BENCH_ROUTES ?? join(repositoryRoot, 'models/routes.yaml'));
const cpuProfileDirectory = process.env.BENCH_CPU_PROFILE
  ? resolve(process.env.BENCH_CPU_PROFILE)
  : undefined;

interface Sample {
  /** Importing the entry module (and what it imports statically). */
  loadMs: number;
  /** The first invocation: configuration, clients, first calls, the job. */
  invokeMs: number;
  /** Process start to exit, seen from here: adds Node's own start-up. */
  processMs: number;
  /** CPU time (user + system, every thread) from process start to the first invocation's end. */
  cpuMs: number;
  /** The uploaded object's key. */
  key: string;
}

/**
 * The child: imports the entry, invokes the handler once, prints one JSON line. Plain JavaScript,
 * so no loader adds to the measured time.
 */
const probeSource = `const [entry, eventJson, warmEventJson] = process.argv.slice(2);
const started = performance.now();
const { handler } = await import(entry);
const loaded = performance.now();
const context = (id) => ({ awsRequestId: 'bench-' + process.pid + '-' + id, functionName: 'ddx-bench', functionVersion: '$LATEST',
  memoryLimitInMB: '1536', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ddx-bench',
  logGroupName: 'bench', logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 120000 });
const responses = [await handler(JSON.parse(eventJson), context(1))];
const invoked = performance.now();
const { user, system } = process.cpuUsage();
let warmInvokeMs;
if (warmEventJson !== undefined) {
  const again = performance.now();
  responses.push(await handler(JSON.parse(warmEventJson), context(2)));
  warmInvokeMs = performance.now() - again;
}
console.log(JSON.stringify({ bench: { loadMs: loaded - started, invokeMs: invoked - loaded, cpuMs: (user + system) / 1000, warmInvokeMs, responses } }));
`;

/** A 12-megapixel photo of one dark lesion on flat skin: small to send, quick to decode. */
function plainPhoto(): Promise<Buffer> {
  const [width, height] = [4000, 3000];
  const lesion = `<svg width="${width}" height="${height}"><ellipse cx="2100" cy="1400" rx="260" ry="210" fill="#4a2a1c"/></svg>`;
  return sharp({ create: { width, height, channels: 3, background: '#d8a48a' } })
    .composite([{ input: Buffer.from(lesion) }])
    .jpeg({ quality: 88 })
    .toBuffer();
}

/** What a job sends: the photo and its S3 user metadata. */
interface Upload {
  photo: Buffer;
  metadata: Record<string, string>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const milliseconds = (value: number) => `${value.toFixed(0)} ms`;

async function main(): Promise<void> {
  if (!existsSync(localRoutes)) throw new Error(`no routing table at ${localRoutes} (BENCH_ROUTES)`);
  const table = await loadRoutingTable(localRoutes);
  const missing = [...table.models.values()].filter(
    (model) => model.path !== null && !existsSync(model.path),
  );
  if (missing.length > 0) {
    throw new Error(
      `model files missing (${missing.map((model) => model.path).join(', ')}): train the demo models (training/README.md) or set BENCH_ROUTES`,
    );
  }
  const classifierId = table.routes[0]?.classifier;
  if (classifierId === undefined) throw new Error('the routing table has no route');

  const workspace = await mkdtemp(join(tmpdir(), 'ddx-cold-start-'));
  const models = routedModelProvider(table);
  const modelServer = await startModelServer({ models, table, port: 0, host: '127.0.0.1' });
  const s3 = await startS3rver('ddx-bench-images');
  const dynamo = await startDynalite('ddx-bench-results');
  try {
    const remoteRoutes = await writeRemoteRoutingTable(table, join(workspace, 'routing'));
    // A profiled handler's bundle stays beside its profiles: their source maps name the sources.
    const handlerBundle = join(cpuProfileDirectory ?? workspace, 'handler');
    const handlerReport = await bundleLambda({
      ...defaultBundleOptions,
      outDirectory: handlerBundle,
      routingTable: remoteRoutes,
      cpu: defaultLambdaCpu,
    });
    const baselineBundle = join(workspace, 'baseline');
    await build(lambdaBuildOptions(join(repositoryRoot, 'bench/trivial-aws-handler.ts'), baselineBundle));
    const baselineSizes = await bundleSizes(baselineBundle);
    const probe = join(workspace, 'probe.mjs');
    await writeFile(probe, probeSource);

    // The plain job: a flat photo, two metadata fields. The realistic one: a grainy photo-like
    // 12 MP JPEG and clinical notes with a name in them (the scrubber's first use is in the job).
    const plain: Upload = {
      photo: await plainPhoto(),
      metadata: { extent: 'localized', 'body-site': 'back' },
    };
    const realistic: Upload = {
      photo: await photoLike(4000, 3000),
      metadata: {
        extent: 'localized',
        'body-site': 'back',
        age: '61',
        sex: 'male',
        'patient-name': 'John Smith',
        notes:
          'Mr Smith (DOB 04/07/1963) noticed a pigmented lesion on the upper back; it has grown and darkened over 3 months. Call 555-0142 or j.smith@example.org.',
      },
    };
    const environment: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: workspace,
      AWS_REGION: 'us-east-1',
      // s3rver accepts only its own key; dynalite and the model server accept any.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: modelServer.url,
      // s3rver stores streamed uploads with their checksum framing otherwise (DEPENDENCIES.md).
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      // What the stack sets, with the bundle folder for /var/task.
      DDX_BLOB_STORE: 's3',
      DDX_BUCKET: s3.bucket,
      DDX_RESULT_STORE: 'dynamodb',
      DDX_TABLE: dynamo.table,
      DDX_INPUT_PREFIX: 'uploads/',
      DDX_DERIVED_PREFIX: 'derived/',
      ...bundledFileEnvironment(handlerBundle),
      DDX_DATA_DIR: join(workspace, 'data'),
      DDX_RECOMMENDER: 'knowledge-base',
      DDX_PROMPT_SOURCE: 'files',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      BENCH_ENDPOINT: classifierId,
    };

    let uploads = 0;
    /** Uploads the photo under a new key and answers the SQS-wrapped S3 notification for it. */
    async function uploadEvent({ photo, metadata }: Upload): Promise<{ key: string; event: unknown }> {
      const key = `uploads/bench ${metadata.notes ? 'realistic' : 'plain'} photo ${uploads++}.jpg`;
      const put = await s3.client.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: key,
          Body: photo,
          ContentType: 'image/jpeg',
          Metadata: metadata,
        }),
      );
      const notification = {
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: 'us-east-1',
            eventTime: new Date().toISOString(),
            eventName: 'ObjectCreated:Put',
            s3: {
              bucket: { name: s3.bucket },
              object: {
                key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/'),
                size: photo.length,
                // S3 sends the ETag unquoted: the handler reads that exact object beside its head.
                eTag: (put.ETag ?? '').replace(/"/g, ''),
              },
            },
          },
        ],
      };
      const event = {
        Records: [
          {
            messageId: `m-${uploads}`,
            receiptHandle: 'r',
            body: JSON.stringify(notification),
            attributes: {},
            messageAttributes: {},
            md5OfBody: '',
            eventSource: 'aws:sqs',
            eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:uploads',
            awsRegion: 'us-east-1',
          },
        ],
      };
      return { key, event };
    }

    /**
     * One fresh process: load, first invocation. With `warmAgain`, a second upload is invoked in
     * the same process afterwards (a warm container): a diagnostic, never part of P4.
     */
    async function sample(
      bundle: string,
      upload: Upload,
      { warmAgain = false } = {},
    ): Promise<Sample & { warmInvokeMs?: number; keys: string[] }> {
      const first = await uploadEvent(upload);
      const second = warmAgain ? await uploadEvent(upload) : undefined;
      const profiling =
        cpuProfileDirectory !== undefined && bundle === handlerBundle
          ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDirectory}`]
          : [];
      const events = [first, ...(second ? [second] : [])].map(({ event }) => JSON.stringify(event));
      const started = performance.now();
      const { stdout } = await runNode(
        [...profiling, probe, join(bundle, lambdaBundleLayout.entryFile), ...events],
        {
          cwd: bundle,
          env: environment,
          timeout: 120_000,
        },
      );
      const processMs = performance.now() - started;
      const line = stdout.split('\n').find((text) => text.startsWith('{"bench":'));
      if (line === undefined) throw new Error(`the probe printed no result:\n${stdout.slice(-2000)}`);
      const { bench } = JSON.parse(line) as {
        bench: {
          loadMs: number;
          invokeMs: number;
          cpuMs: number;
          warmInvokeMs?: number;
          responses: { batchItemFailures: unknown[] }[];
        };
      };
      if (bench.responses.some((response) => response.batchItemFailures.length > 0)) {
        throw new Error(`the handler reported failures: ${JSON.stringify(bench.responses)}`);
      }
      return {
        loadMs: bench.loadMs,
        invokeMs: bench.invokeMs,
        cpuMs: bench.cpuMs,
        warmInvokeMs: bench.warmInvokeMs,
        processMs,
        key: first.key,
        keys: [first.key, ...(second ? [second.key] : [])],
      };
    }

    console.log(`cold start: ${runs} fresh processes each, alternating, after one warm-up each`);
    if (cpuProfileDirectory !== undefined) {
      console.log(
        `  CPU profiles of the handler in ${cpuProfileDirectory}: its figures are slowed by profiling`,
      );
    }
    const warmUp = await sample(handlerBundle, plain);
    await sample(baselineBundle, plain);
    const handlerSamples: Sample[] = [];
    const baselineSamples: Sample[] = [];
    const realisticHandler: Sample[] = [];
    const realisticBaseline: Sample[] = [];
    for (let run = 0; run < runs; run++) {
      handlerSamples.push(await sample(handlerBundle, plain));
      baselineSamples.push(await sample(baselineBundle, plain));
      realisticHandler.push(await sample(handlerBundle, realistic));
      realisticBaseline.push(await sample(baselineBundle, realistic));
    }
    // What the same jobs cost once the container is warm: how much of a first invocation is the
    // job itself (a diagnostic of one process each; none of it is in P4).
    const warmRuns = {
      handlerPlain: await sample(handlerBundle, plain, { warmAgain: true }),
      baselinePlain: await sample(baselineBundle, plain, { warmAgain: true }),
      handlerRealistic: await sample(handlerBundle, realistic, { warmAgain: true }),
      baselineRealistic: await sample(baselineBundle, realistic, { warmAgain: true }),
    };
    const unmeasured = new Set([
      ...warmUp.keys,
      ...warmRuns.handlerPlain.keys,
      ...warmRuns.handlerRealistic.keys,
    ]);

    // Every handler run must have done the whole job, or the comparison means nothing.
    const scan = await dynamo.client.send(new ScanCommand({ TableName: dynamo.table }));
    const records = (scan.Items ?? []).flatMap((item) => {
      const json = item.record?.S;
      return json === undefined
        ? []
        : [
            JSON.parse(json) as {
              status: string;
              source: { key: string };
              timings: Record<string, number>;
            },
          ];
    });
    const statuses = records.map((record) => record.status);
    const counts = Object.entries(
      statuses.reduce<Record<string, number>>((tally, status) => {
        tally[status] = (tally[status] ?? 0) + 1;
        return tally;
      }, {}),
    );
    const expectedRecords = 2 * runs + unmeasured.size;
    if (statuses.length !== expectedRecords || statuses.some((status) => status === 'failed')) {
      throw new Error(`expected ${expectedRecords} usable records, found: ${JSON.stringify(counts)}`);
    }

    const describe = (name: string, samples: Sample[]) => {
      const load = median(samples.map((item) => item.loadMs));
      const invoke = median(samples.map((item) => item.invokeMs));
      const total = median(samples.map((item) => item.loadMs + item.invokeMs));
      const processTotal = median(samples.map((item) => item.processMs));
      const cpu = median(samples.map((item) => item.cpuMs));
      console.log(
        `  ${name.padEnd(9)} load ${milliseconds(load).padStart(7)}   first invocation ${milliseconds(invoke).padStart(7)}   load + invocation ${milliseconds(total).padStart(7)}   whole process ${milliseconds(processTotal).padStart(7)}   CPU ${milliseconds(cpu).padStart(7)}   (medians)`,
      );
      return { load, total, processTotal };
    };
    // The job's own timed steps (the record's `timings.total`): download, decode, model calls,
    // crop, recommendation, storage. The rest of the first invocation is the container's start-up
    // (configuration, clients) and the delivery of the job's events (outbox, DICOM SR archive).
    const describeJobs = (variant: string, samples: Sample[]) => {
      // The warm-up's and the warm diagnostic's records are not of the measured runs.
      const jobs = records.filter(
        (record) => record.source.key.includes(` ${variant} `) && !unmeasured.has(record.source.key),
      );
      const jobMs = median(jobs.map((record) => record.timings.total ?? Number.NaN));
      const invocationMs = median(samples.map((item) => item.invokeMs));
      console.log(
        `  handler   of which the job itself ${milliseconds(jobMs)} (record timings.total), the rest ~${milliseconds(invocationMs - jobMs)} (configuration and clients before the job, its events delivered after it)`,
      );
      const steps = [...new Set(jobs.flatMap((record) => Object.keys(record.timings)))].filter(
        (step) => step !== 'total',
      );
      const stepMedians = steps.map(
        (step) => `${step} ${milliseconds(median(jobs.map((record) => record.timings[step] ?? Number.NaN)))}`,
      );
      console.log(`            job steps (medians, some overlap): ${stepMedians.join(', ')}`);
    };
    const handler = describe('handler', handlerSamples);
    describeJobs('plain', handlerSamples);
    const baseline = describe('baseline', baselineSamples);
    console.log(
      `  ratio handler / baseline: load ${(handler.load / baseline.load).toFixed(2)}x, load + first invocation ${(handler.total / baseline.total).toFixed(2)}x, whole process ${(handler.processTotal / baseline.processTotal).toFixed(2)}x`,
    );
    console.log('  realistic job (photo-like 12 MP JPEG, clinical notes with identifiers to scrub):');
    describe('handler', realisticHandler);
    describeJobs('realistic', realisticHandler);
    describe('baseline', realisticBaseline);
    // Each run's handler against the baseline run right after it: noise shared by the pair cancels.
    const pairRatios = (handlerRuns: Sample[], baselineRuns: Sample[]) =>
      median(
        handlerRuns.map((item, index) => {
          const paired = baselineRuns[index];
          return paired ? (item.loadMs + item.invokeMs) / (paired.loadMs + paired.invokeMs) : Number.NaN;
        }),
      );
    const warmMs = (run: { warmInvokeMs?: number }) => milliseconds(run.warmInvokeMs ?? Number.NaN);
    console.log(
      `  warm container (one process each, not in P4): second invocation, handler ${warmMs(warmRuns.handlerPlain)} plain, ${warmMs(warmRuns.handlerRealistic)} realistic; baseline ${warmMs(warmRuns.baselinePlain)} plain, ${warmMs(warmRuns.baselineRealistic)} realistic`,
    );
    console.log(`  handler records: ${counts.map(([status, count]) => `${count} ${status}`).join(', ')}`);
    const sizes = (name: string, report: BundleSizes) =>
      console.log(
        `  ${name.padEnd(9)} bundle: entry ${megabytes(report.entryBytes)}, JavaScript ${megabytes(report.javascriptBytes)}, folder ${megabytes(report.totalBytes)}`,
      );
    sizes('handler', handlerReport.sizes);
    sizes('baseline', baselineSizes);
    console.log(
      `  models: ddx serve-models (startModelServer) on loopback, ONNX models of ${localRoutes} served as SageMaker endpoints`,
    );
    reportFigures(
      'cold-start',
      {
        p4ColdStartRatio: pairRatios(realisticHandler, realisticBaseline),
        p4ColdStartRatioPlain: pairRatios(handlerSamples, baselineSamples),
      },
      { p4ColdStartRatio: { max: 1.5 }, p4ColdStartRatioPlain: { max: 1.5 } },
    );
  } finally {
    await Promise.allSettled([modelServer.close(), s3.close(), dynamo.close()]);
    await models.close?.();
    await rm(workspace, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`cold-start bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
