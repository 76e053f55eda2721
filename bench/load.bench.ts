/**
 * `npm run bench:load`: 500 uploads through the event path under bounded concurrency, then proof
 * that none was lost or stored twice, with throughput, latency percentiles and peak memory.
 *
 * ```
 * samples/*.jpg ─ uploads ─ local folder ─┐
 * S3 notifications ─ SQS batches ─ processEvent ─ runInference ─ SQLite
 *                    (redelivered on          │
 *                     batchItemFailures)      └─ HTTP ─ ddx serve-models (own process):
 *                                                       Roboflow detect, SageMaker runtime
 * ```
 *
 * The orchestrator runs on the local adapters (local-folder blob store, SQLite result store in a
 * fresh temp folder, bundled prompts, knowledge-base recommender); the models run in another
 * process, `ddx serve-models`, reached through the Roboflow and SageMaker adapters, as in
 * production. A small share of the uploads are bad inputs (truncated JPEG, text, invalid
 * metadata, an object gone before processing), and a share are delivered twice (at-least-once
 * delivery): in the same batch, in a batch running at the same time, and after everything else.
 * One pass of each sample through the same path warms the model sessions first; it is checked
 * but not measured.
 *
 * Environment: BENCH_LOAD_IMAGES (default 500), BENCH_LOAD_CONCURRENCY (jobs in flight at most,
 * default 8, in whole batches of 4).
 * Exits non-zero, naming each problem, when a record is lost, duplicated or has the wrong status.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRoutingTable } from '../src/clinical/routing-table.js';
import { type ComposedDependencies, composeDependencies } from '../src/compose.js';
import { loadConfig, packageRoot } from '../src/config.js';
import type { InferenceRecord } from '../src/record.js';
import { type ModelServerProcess, startModelServerProcess } from '../test/support/model-server-process.js';
import { writeRemoteRoutingTable } from '../test/support/remote-routing-table.js';
import { encodeS3EventKey, s3Notification } from '../test/support/trigger-events.js';
import { checkLoad, expectedRecordId } from './load-checks.js';
import { loadSampleVariants, type PlannedUpload, uploadPlanned } from './load-uploads.js';
import { sampleResidentSet } from './memory-sampler.js';
import { median, percentile } from './percentiles.js';
import { drainQueue, type QueueMessage, type QueueReport } from './sqs-queue.js';

const imageCount = positiveInteger('BENCH_LOAD_IMAGES', 500);
const concurrency = positiveInteger('BENCH_LOAD_CONCURRENCY', 8);
/**
 * SQS batches of 4, run 4 at a time (DDX_CONCURRENCY's default; the stack's batches are 5): every
 * object of a batch starts with it, so a job's latency starts when its batch is handed over.
 * The bound is rounded down to whole batches.
 */
const batchSize = Math.min(4, concurrency);
const consumers = Math.max(1, Math.floor(concurrency / batchSize));
/** The stack's maxReceiveCount: a message failing this often goes to the dead-letter queue. */
const maxReceiveCount = 3;
/** About 3% bad inputs, and 10% of uploads delivered twice. */
const badEvery = 30;
const redeliverEvery = 10;
const inputPrefix = 'uploads/';
const roboflowApiKey = 'load-bench-key';

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const milliseconds = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

async function main(): Promise<number> {
  const localRoutes = join(packageRoot, 'models/routes.yaml');
  const table = await loadRoutingTable(localRoutes);
  const missing = [...table.models.values()].filter(
    (model) => model.path !== null && !existsSync(model.path),
  );
  if (missing.length > 0) {
    throw new Error(`model files missing: ${missing.map((model) => model.path).join(', ')}`);
  }

  const workspace = await mkdtemp(join(tmpdir(), 'ddx-load-'));
  const server = await startModelServerProcess({ routesPath: localRoutes, roboflowApiKey });
  try {
    const remoteRoutes = await writeRemoteRoutingTable(table, join(workspace, 'routing'), server.url);
    // The AWS SDK reads its endpoint and credentials from the environment; the loopback server
    // accepts any credentials.
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDLOADBENCH',
      AWS_SECRET_ACCESS_KEY: 'load-bench-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: server.url,
    });
    // Every setting spelled out rather than taken from the shell, so a developer's DDX_* variables
    // cannot point the bench at other stores or an LLM.
    const dataDir = join(workspace, 'data');
    const config = loadConfig({
      DDX_DATA_DIR: dataDir,
      DDX_BLOB_STORE: 'fs',
      DDX_BLOB_DIR: join(dataDir, 'blobs'),
      DDX_RESULT_STORE: 'sqlite',
      DDX_SQLITE_PATH: join(dataDir, 'results.db'),
      DDX_ROUTES: remoteRoutes,
      ROBOFLOW_API_KEY: roboflowApiKey,
      DDX_PROMPT_SOURCE: 'files',
      DDX_RECOMMENDER: 'knowledge-base',
      DDX_INPUT_PREFIX: inputPrefix,
      DDX_LOG_LEVEL: 'silent',
    });
    const deps = await composeDependencies(config);
    try {
      return await runLoad(deps, workspace, server);
    } finally {
      await deps.close();
    }
  } finally {
    await server.stop();
    await rm(workspace, { recursive: true, force: true });
  }
}

async function runLoad(
  deps: ComposedDependencies,
  workspace: string,
  server: ModelServerProcess,
): Promise<number> {
  const bucket = deps.blobStore.bucket;
  // Successful writes per record, counted around the real store: each record must be written once.
  const writes = new Map<string, number>();
  let lostRaces = 0;
  const realSave = deps.resultStore.save.bind(deps.resultStore);
  deps.resultStore.save = async (record, options) => {
    const saved = await realSave(record, options);
    if (saved.written) writes.set(record.id, (writes.get(record.id) ?? 0) + 1);
    else lostRaces += 1;
    return saved;
  };
  const queueSettings = { consumers, batchSize, maxReceiveCount, inputPrefix };

  const samples = await loadSampleVariants();
  const warmUploads = await uploadPlanned(deps.blobStore, samples, {
    count: samples.length,
    prefix: `${inputPrefix}warm-up/`,
    badEvery: 0,
    stagingDirectory: join(workspace, 'staging', 'warm-up'),
  });
  const warmPlan = deliveryPlan(warmUploads, bucket, 'warm', 0);
  const warm = await drainQueue(warmPlan.messages, deps, { ...queueSettings, requestIdPrefix: 'warm-up' });

  const uploads = await uploadPlanned(deps.blobStore, samples, {
    count: imageCount,
    prefix: `${inputPrefix}load/clinic `,
    badEvery,
    stagingDirectory: join(workspace, 'staging', 'load'),
  });
  const plan = deliveryPlan(uploads, bucket, 'load', redeliverEvery);

  const residentAtStart = process.memoryUsage.rss();
  const sampler = sampleResidentSet();
  const cpuAtStart = process.cpuUsage();
  const load = await drainQueue(plan.messages, deps, { ...queueSettings, requestIdPrefix: 'load' });
  const cpu = process.cpuUsage(cpuAtStart);
  const peakSampled = sampler.stop();
  const maxResident = process.resourceUsage().maxRSS * 1024;
  const serverPeak = await server.peakResidentBytes();

  const allUploads = [...warmUploads, ...uploads];
  const records = await deps.resultStore.list({ limit: allUploads.length + 1000 });
  const problems = checkLoad({
    bucket,
    uploads: allUploads,
    records,
    writes,
    messages: new Map([...warmPlan.byMessage, ...plan.byMessage]),
    finalOutcomes: new Map([...warm.finalOutcomes, ...load.finalOutcomes]),
    deadLetters: warm.deadLetters.length + load.deadLetters.length,
  });

  const loadIds = new Set(uploads.map((upload) => expectedRecordId(bucket, upload)));
  const loadRecords = records.filter((record) => loadIds.has(record.id));
  const result = summarize({
    uploads,
    loadRecords,
    warmRecords: records.filter((record) => !loadIds.has(record.id)),
    warmUploads,
    load,
    duplicates: plan.duplicates,
    lostRaces,
    memory: { residentAtStart, peakSampled, maxResident, serverPeak },
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    problems,
  });
  await mkdir(join(packageRoot, 'bench/results'), { recursive: true });
  const resultPath = join(
    packageRoot,
    'bench/results',
    `load-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  await writeFile(resultPath, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`  result: ${resultPath}`);

  if (problems.length > 0) {
    console.error(`\nload bench FAILED: ${problems.length} problem(s)`);
    for (const problem of problems.slice(0, 30)) console.error(`  - ${problem}`);
    if (problems.length > 30) console.error(`  ... and ${problems.length - 30} more (see the result file)`);
    return 1;
  }
  console.log('  checks: every upload has exactly one record, written once, with the expected status;');
  console.log('          every delivery was answered with the stored record; no dead letters');
  return 0;
}

/**
 * One message per upload, and every `every`-th upload delivered once more, as S3 and SQS deliver
 * at least once: in turn right behind the first delivery (mostly the same batch), one batch later
 * (a batch another consumer runs at the same time), and after everything else.
 */
function deliveryPlan(uploads: readonly PlannedUpload[], bucket: string, phase: string, every: number) {
  const placed: { position: number; message: QueueMessage; upload: PlannedUpload }[] = [];
  let duplicates = 0;
  uploads.forEach((upload, index) => {
    const body = JSON.stringify(
      s3Notification([
        { bucket, encodedKey: encodeS3EventKey(upload.key), etag: upload.etag, size: upload.size },
      ]),
    );
    const message = (copy: number) => ({ messageId: `${phase}-${index}-${copy}`, body });
    placed.push({ position: index, message: message(1), upload });
    if (every > 0 && index % every === every - 1) {
      const offsets = [0.5, batchSize + 0.5, uploads.length];
      const offset = offsets[duplicates % offsets.length] ?? 0;
      placed.push({ position: index + offset + duplicates / 1e6, message: message(2), upload });
      duplicates += 1;
    }
  });
  placed.sort((a, b) => a.position - b.position);
  return {
    messages: placed.map((entry) => entry.message),
    byMessage: new Map(placed.map((entry) => [entry.message.messageId, entry.upload])),
    duplicates,
  };
}

interface Figures {
  uploads: readonly PlannedUpload[];
  loadRecords: readonly InferenceRecord[];
  warmRecords: readonly InferenceRecord[];
  warmUploads: readonly PlannedUpload[];
  load: QueueReport;
  duplicates: number;
  lostRaces: number;
  memory: { residentAtStart: number; peakSampled: number; maxResident: number; serverPeak: number | null };
  cpuSeconds: number;
  problems: string[];
}

/** Prints the figures and returns them for the JSON result. */
function summarize(figures: Figures) {
  const { uploads, loadRecords, load, memory } = figures;
  const seconds = load.wallMs / 1000;
  const fresh = load.runs.filter((run) => run.outcome.kind === 'finished' && !run.outcome.reused);
  const reused = load.runs.filter((run) => run.outcome.kind === 'finished' && run.outcome.reused);
  const transient = load.runs.filter((run) => run.outcome.kind === 'transient');
  const latencies = fresh.map((run) => run.latencyMs);
  const latency = {
    jobs: latencies.length,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
  };
  const usableLatencies = fresh
    .filter((run) => run.outcome.record?.status !== 'failed')
    .map((run) => run.latencyMs);
  const statuses = tally(
    loadRecords.map((record) => (record.error ? `${record.status} ${record.error.code}` : record.status)),
  );
  const transientCodes = tally(
    transient.map((run) => (run.outcome.kind === 'transient' ? run.outcome.code : '')),
  );
  const steps = [...new Set(loadRecords.flatMap((record) => Object.keys(record.timings)))];
  const stepMedians = Object.fromEntries(
    steps.map((step) => [step, median(loadRecords.flatMap((record) => record.timings[step] ?? []))]),
  );
  const agreement = labelAgreement(figures);
  const bad = uploads.filter((upload) => upload.expected.status === 'failed').length;

  console.log(
    `DDx Assist load benchmark: ${uploads.length} uploads (${uploads.length - bad} images, ${bad} bad inputs) + ${figures.duplicates} redeliveries`,
  );
  console.log(
    `  node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs; ${consumers * batchSize} jobs in flight at most (${consumers} consumers x SQS batches of ${batchSize})`,
  );
  console.log(
    '  orchestrator: local folder, SQLite, bundled prompts, knowledge base; models: ddx serve-models (own process) via Roboflow + SageMaker adapters',
  );
  console.log(
    `  throughput         ${(uploads.length / seconds).toFixed(1)} images/s (${uploads.length} uploads, bad inputs included, in ${seconds.toFixed(1)} s, ${load.rounds} delivery round(s))`,
  );
  console.log(
    `  latency per job    p50 ${milliseconds(latency.p50)}, p90 ${milliseconds(latency.p90)}, p99 ${milliseconds(latency.p99)}, max ${milliseconds(latency.max)} (${latency.jobs} jobs, batch handed over -> record stored)`,
  );
  console.log(
    `                     images only: p50 ${milliseconds(percentile(usableLatencies, 50))}, p99 ${milliseconds(percentile(usableLatencies, 99))}; answered from a stored record: p50 ${milliseconds(median(reused.map((run) => run.latencyMs)))} (${reused.length})`,
  );
  console.log(
    `  records            ${Object.entries(statuses)
      .map(([status, count]) => `${count} ${status}`)
      .join(', ')}`,
  );
  console.log(
    `  redelivery         ${load.receives} messages received; ${load.sameBatchDuplicates} duplicate(s) run once within their batch, ${reused.length} answered from the stored record, ${transient.length} transient (${
      Object.entries(transientCodes)
        .map(([code, count]) => `${count} ${code}`)
        .join(', ') || 'none'
    }) and ${load.redelivered} redelivered, ${figures.lostRaces} lost the race to store; ${load.deadLetters.length} dead letters`,
  );
  console.log(
    `  top label          ${agreement.same} of ${agreement.compared} images agree with their sample's untouched original (re-encoded at 60-90% quality or not)`,
  );
  console.log('  median step timings (ms, from the records):');
  for (const [step, value] of Object.entries(stepMedians))
    console.log(`    ${step.padEnd(24)} ${value.toFixed(1)}`);
  console.log(
    `  orchestrator       peak RSS ${megabytes(memory.peakSampled)} sampled, ${megabytes(memory.maxResident)} kernel high-water mark (${megabytes(memory.residentAtStart)} before the load); CPU ${figures.cpuSeconds.toFixed(1)} s = ${milliseconds((figures.cpuSeconds * 1000) / uploads.length)}/upload`,
  );
  console.log(
    `  model server       peak RSS ${memory.serverPeak === null ? 'n/a (no /proc)' : megabytes(memory.serverPeak)}`,
  );

  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    cpus: cpus().length,
    settings: {
      uploads: uploads.length,
      concurrency: consumers * batchSize,
      consumers,
      batchSize,
      maxReceiveCount,
    },
    uploads: { total: uploads.length, bad, redeliveries: figures.duplicates },
    throughputUploadsPerSecond: uploads.length / seconds,
    wallSeconds: seconds,
    latencyMs: { ...latency, reusedP50: median(reused.map((run) => run.latencyMs)) },
    records: statuses,
    delivery: {
      receives: load.receives,
      rounds: load.rounds,
      sameBatchDuplicates: load.sameBatchDuplicates,
      reused: reused.length,
      transient: transientCodes,
      redelivered: load.redelivered,
      lostRaces: figures.lostRaces,
      deadLetters: load.deadLetters.length,
    },
    labelAgreement: agreement,
    stepMediansMs: stepMedians,
    memory: {
      orchestratorPeakSampledBytes: memory.peakSampled,
      orchestratorMaxRssBytes: memory.maxResident,
      orchestratorBeforeLoadBytes: memory.residentAtStart,
      modelServerPeakBytes: memory.serverPeak,
    },
    orchestratorCpuSeconds: figures.cpuSeconds,
    problems: figures.problems,
  };
}

/** How often a usable upload's top label is the one its untouched sample got in the warm-up. */
function labelAgreement(figures: Figures): { compared: number; same: number } {
  const topLabel = (record: InferenceRecord | undefined) => record?.classification?.labels[0]?.label;
  const warmByKey = new Map(figures.warmRecords.map((record) => [record.source.key, record]));
  const reference = new Map(
    figures.warmUploads.map((upload) => [upload.sample, topLabel(warmByKey.get(upload.key))]),
  );
  const byKey = new Map(figures.loadRecords.map((record) => [record.source.key, record]));
  let compared = 0;
  let same = 0;
  for (const upload of figures.uploads) {
    const label = topLabel(byKey.get(upload.key));
    if (upload.expected.status !== 'usable' || label === undefined) continue;
    compared += 1;
    if (label === reference.get(upload.sample)) same += 1;
  }
  return { compared, same };
}

function tally(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

main().then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    console.error(`load bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
