/**
 * `npm run bench`: the whole pipeline, the same work done bare, and the models alone, on the same
 * images in one run, on the embedded defaults (local folder, SQLite, ONNX Runtime, knowledge base).
 * Rounds interleave the three passes so that machine noise hits them alike; figures are medians
 * of per-round ratios.
 *
 * - P1 orchestration overhead per image: a pass's wall time minus the union of every interval
 *   spent outside the orchestrator (each store call: blob head/get/put, record get/claim/release/
 *   save, prompt reads, the recommender; and the timed sub-steps: download, decode, model
 *   inference, crop save, the notes' de-identification, the assessment's image measurements).
 *   Work done side by side counts once, so overlap never makes the figure negative.
 * - P3 throughput: the pipeline against a bare loop that calls the same functions directly
 *   (head and metadata, the notes' de-identification, download, decode at the working size, the
 *   assessment's image measurements, detector, crop at full resolution, its encode and save,
 *   classifier, record write), one after another, at the same
 *   concurrency; and, beside it, against the models alone on images decoded beforehand.
 * - P5 peak RSS for a 12 MP and a 48 MP photo, each in a fresh process (bench/peak-memory.ts).
 *
 * Environment: BENCH_ROUNDS (5), BENCH_COPIES (4 copies of each sample per round),
 * BENCH_CONCURRENCY (jobs in flight, 1).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureImage } from '../src/assessment/image-measures.js';
import { uploadImage } from '../src/cli/upload-image.js';
import { parseClinicalMetadata } from '../src/clinical/clinical-context.js';
import { composeDependencies } from '../src/compose.js';
import { mapWithConcurrency } from '../src/concurrency/map-with-concurrency.js';
import { loadConfig, packageRoot } from '../src/config.js';
import { cropImage, encodeJpeg, padBox } from '../src/imaging/crop.js';
import { decodeImage, decodeRegion } from '../src/imaging/decode-image.js';
import { type StepSpan, stepSpans } from '../src/observability/step-timer.js';
import { defaultWorkingMaxSide } from '../src/pipeline/fetch-image.js';
import { recordedContext } from '../src/pipeline/load-context.js';
import { pickRegionOfInterest } from '../src/pipeline/localize.js';
import { runInference } from '../src/pipeline/run-inference.js';
import type { InferenceRecord } from '../src/record.js';
import { machineLine, reportFigures } from './bench-report.js';
import { type Interval, recordCalls, unionLength } from './intervals.js';
import { median } from './percentiles.js';
import { photoLike } from './photo-like.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const copiesPerRound = Number(process.env.BENCH_COPIES ?? 4);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 1);

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'ddx-bench-'));
  const config = loadConfig({ ...process.env, DDX_DATA_DIR: dataDir, DDX_LOG_LEVEL: 'silent' });
  const deps = await composeDependencies(config);

  // Every interval spent outside the orchestrator: store calls and the timed sub-steps.
  const outside: Interval[] = [];
  recordCalls(deps.blobStore, ['head', 'get', 'put'], outside);
  recordCalls(deps.resultStore, ['get', 'claim', 'release', 'save', 'patientIdentifiers'], outside);
  recordCalls(deps.promptSource, ['get'], outside);
  recordCalls(deps.recommender, ['recommend'], outside);
  subscribe(stepSpans.name, (message) => {
    const span = message as StepSpan;
    // `fetch-image.decode`, `localize.inference`...: the steps themselves include orchestration.
    if (span.name.includes('.')) outside.push(span);
  });

  const sampleDir = join(packageRoot, 'samples');
  const images = (await readdir(sampleDir)).filter((name) => name.endsWith('.jpg')).sort();
  const metadataFor = (name: string) => join(sampleDir, `${name}.meta.json`);
  const routes = await Promise.all(
    images.map(async (name) => JSON.parse(await readFile(metadataFor(name), 'utf8')).extent as string),
  );

  const detector = await deps.models.detector('lesion-detector');
  const lesionClassifier = await deps.models.classifier('lesion-classifier');
  const rashClassifier = await deps.models.classifier('rash-classifier');
  const decodeLimits = { maxPixels: deps.limits.maxImagePixels, minSide: deps.limits.minImageSide ?? 32 };

  // Models alone: the pipeline's model calls, on images decoded beforehand.
  const decoded = await Promise.all(
    images.map(
      async (name) => (await decodeImage(await readFile(join(sampleDir, name)), decodeLimits)).image,
    ),
  );
  async function modelsOnly(index: number) {
    const image = decoded[index];
    if (!image) throw new Error('missing image');
    if (routes[index] === 'widespread') return rashClassifier.classify(image);
    const roi = pickRegionOfInterest(await detector.detect(image));
    const input = roi
      ? cropImage(image, padBox(roi.box, config.cropPadding, image.width, image.height))
      : image;
    return lesionClassifier.classify(input);
  }

  // The bare loop: the same work without the orchestrator, each call made directly.
  let template: InferenceRecord | undefined;
  let bareCounter = 0;
  async function bare(key: string, index: number) {
    const serial = bareCounter++;
    const { metadata } = await deps.blobStore.head(key);
    await recordedContext(parseClinicalMetadata(metadata));
    const bytes = await deps.blobStore.get(key, { maxBytes: deps.limits.maxImageBytes });
    const working = { ...decodeLimits, maxSide: defaultWorkingMaxSide };
    const { image, original } = await decodeImage(bytes, working);
    await measureImage(image);
    if (routes[index] === 'widespread') await rashClassifier.classify(image);
    else {
      const roi = pickRegionOfInterest(await detector.detect(image));
      let crop = image;
      if (roi) {
        const [scaleX, scaleY] = [original.width / image.width, original.height / image.height];
        const box = {
          x: roi.box.x * scaleX,
          y: roi.box.y * scaleY,
          width: roi.box.width * scaleX,
          height: roi.box.height * scaleY,
        };
        const padded = padBox(box, config.cropPadding, original.width, original.height);
        crop =
          original.width === image.width
            ? cropImage(image, padded)
            : await decodeRegion(bytes, padded, working);
        await deps.blobStore.put(`${deps.derivedPrefix}bare/${serial}.jpg`, await encodeJpeg(crop), {
          contentType: 'image/jpeg',
        });
      }
      await lesionClassifier.classify(crop);
    }
    if (!template) throw new Error('no record to write');
    await deps.resultStore.save({ ...template, id: `bare-${serial}` });
  }

  let uploadCounter = 0;
  async function uploadAll(copies: number): Promise<{ key: string; index: number }[]> {
    const keys: { key: string; index: number }[] = [];
    for (let copy = 0; copy < copies; copy++) {
      for (const [index, name] of images.entries()) {
        const key = `uploads/bench/${uploadCounter++}/${name}`;
        await uploadImage(deps.blobStore, {
          imagePath: join(sampleDir, name),
          metadataPath: metadataFor(name),
          key,
        });
        keys.push({ key, index });
      }
    }
    return keys;
  }

  const stepTotals: Record<string, number[]> = {};
  async function pipelinePass(keys: { key: string }[]) {
    await mapWithConcurrency(keys, concurrency, async ({ key }) => {
      const { record, reused } = await runInference(
        { source: { key }, requestId: randomUUID(), trigger: 'bench' },
        deps,
      );
      if (reused || record.status !== 'succeeded') throw new Error(`bench run ${key} ended ${record.status}`);
      template ??= record;
      for (const [name, value] of Object.entries(record.timings))
        stepTotals[name] = [...(stepTotals[name] ?? []), value];
    });
  }

  // Warm-up: sessions, JIT, caches.
  const warmKeys = await uploadAll(1);
  await pipelinePass(warmKeys);
  await mapWithConcurrency(warmKeys, concurrency, ({ key, index }) => bare(key, index));
  for (let index = 0; index < images.length; index++) await modelsOnly(index);
  for (const name of Object.keys(stepTotals)) stepTotals[name] = [];

  const timed = async (count: number, pass: () => Promise<unknown>) => {
    const start = performance.now();
    await pass();
    const end = performance.now();
    return { rate: count / ((end - start) / 1000), start, end };
  };
  const ratios = { bare: [] as number[], models: [] as number[] };
  const rates = { pipeline: [] as number[], bare: [] as number[], models: [] as number[] };
  const overheads: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const pipelineKeys = await uploadAll(copiesPerRound);
    const bareKeys = await uploadAll(copiesPerRound);
    const count = pipelineKeys.length;

    outside.length = 0;
    const pipeline = await timed(count, () => pipelinePass(pipelineKeys));
    const outsideMs = unionLength(outside, pipeline.start, pipeline.end);
    overheads.push((pipeline.end - pipeline.start - outsideMs) / count);

    const bareRun = await timed(count, () =>
      mapWithConcurrency(bareKeys, concurrency, ({ key, index }) => bare(key, index)),
    );
    const indices = pipelineKeys.map(({ index }) => index);
    const models = await timed(count, () => mapWithConcurrency(indices, concurrency, modelsOnly));

    rates.pipeline.push(pipeline.rate);
    rates.bare.push(bareRun.rate);
    rates.models.push(models.rate);
    ratios.bare.push(pipeline.rate / bareRun.rate);
    ratios.models.push(pipeline.rate / models.rate);
  }
  await deps.close();
  await rm(dataDir, { recursive: true, force: true });

  console.log(
    `DDx Assist pipeline benchmark (${rounds} rounds x ${copiesPerRound * images.length} images, ${images.length} samples, concurrency ${concurrency})`,
  );
  console.log(`  ${machineLine()}`);
  console.log(`  whole pipeline         ${median(rates.pipeline).toFixed(1)} images/s (median of rounds)`);
  console.log(
    `  bare loop              ${median(rates.bare).toFixed(1)} images/s (same calls, no orchestrator)`,
  );
  console.log(`  models alone           ${median(rates.models).toFixed(1)} images/s`);
  console.log(
    `  pipeline / bare loop   ${median(ratios.bare).toFixed(2)} (rounds ${ratios.bare.map((value) => value.toFixed(2)).join(', ')})`,
  );
  console.log(`  pipeline / models      ${median(ratios.models).toFixed(2)}`);
  console.log(
    `  orchestration overhead ${median(overheads).toFixed(2)} ms/image (wall minus the union of store calls, download, decode, inference, crop save, de-identification, image measurements, recommender)`,
  );
  console.log('  median step timings (ms):');
  for (const [name, values] of Object.entries(stepTotals))
    console.log(`    ${name.padEnd(22)} ${median(values).toFixed(1)}`);

  const peaks = await peakMemory();
  // P1 is an accounting of one job at a time: with jobs side by side, one job's wait is another's work.
  const p1: Record<string, number> = concurrency === 1 ? { p1OverheadMsPerImage: median(overheads) } : {};
  reportFigures(
    concurrency === 1 ? 'pipeline' : `pipeline, concurrency ${concurrency}`,
    {
      ...p1,
      p3ThroughputRatio: median(ratios.bare),
      p3ModelOnlyRatio: median(ratios.models),
      p5PeakRss12mpMb: peaks.twelve,
      p5PeakRss48mpMb: peaks.fortyEight,
      imagesPerSecond: median(rates.pipeline),
    },
    {
      ...(concurrency === 1 ? { p1OverheadMsPerImage: { max: 1 } } : {}),
      p3ThroughputRatio: { min: 0.9 },
      p5PeakRss12mpMb: { max: 300 },
      p5PeakRss48mpMb: { max: 500 },
    },
  );
}

/** P5: each large photo through the whole pipeline in a fresh process; made here so its making is not measured. */
async function peakMemory(): Promise<{ twelve: number; fortyEight: number }> {
  const directory = await mkdtemp(join(tmpdir(), 'ddx-peak-'));
  try {
    const measure = async (width: number, height: number) => {
      const path = join(directory, `photo-${width}x${height}.jpg`);
      await writeFile(path, await photoLike(width, height));
      const output = execFileSync(
        process.execPath,
        ['--import', 'tsx', join(packageRoot, 'bench/peak-memory.ts'), path],
        { encoding: 'utf8', env: { ...process.env, DDX_LOG_LEVEL: 'silent' } },
      );
      const lines = output.trim().split('\n');
      for (const line of lines.slice(0, -1)) console.log(line);
      return (JSON.parse(lines.at(-1) ?? '{}') as { peakRssMb: number }).peakRssMb;
    };
    return { twelve: await measure(4000, 3000), fortyEight: await measure(8000, 6000) };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

await main();
