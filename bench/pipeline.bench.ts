/**
 * `npm run bench`: the whole pipeline against the models' own inference on the same images, in
 * one run, on the embedded defaults (local folder, SQLite, ONNX Runtime, knowledge base).
 *
 * Reports, as figures from this machine:
 * - images per second through the whole pipeline vs. through the models alone, and their ratio;
 * - orchestration overhead per image: pipeline wall time minus download, decode, model inference
 *   and storage time (what the orchestrator itself costs);
 * - peak memory for a 12-megapixel JPEG (bench/peak-memory.ts, in a fresh process).
 *
 * Rounds alternate pipeline and models-only passes so that machine noise hits both alike.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uploadImage } from '../src/cli/upload-image.js';
import { composeDependencies } from '../src/compose.js';
import { loadConfig, packageRoot } from '../src/config.js';
import { cropImage, padBox } from '../src/imaging/crop.js';
import { decodeImage } from '../src/imaging/decode-image.js';
import { pickRegionOfInterest } from '../src/pipeline/localize.js';
import { runInference } from '../src/pipeline/run-inference.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const copiesPerRound = Number(process.env.BENCH_COPIES ?? 4);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'ddx-bench-'));
  const config = loadConfig({ ...process.env, DDX_DATA_DIR: dataDir, DDX_LOG_LEVEL: 'silent' });
  const deps = await composeDependencies(config);

  // Storage time is the result store's save, measured around the real adapter.
  let storageMs = 0;
  const realSave = deps.resultStore.save.bind(deps.resultStore);
  deps.resultStore.save = async (record, options) => {
    const start = performance.now();
    try {
      return await realSave(record, options);
    } finally {
      storageMs += performance.now() - start;
    }
  };

  const sampleDir = join(packageRoot, 'samples');
  const images = (await readdir(sampleDir)).filter((name) => name.endsWith('.jpg')).sort();
  const metadataFor = (name: string) => join(sampleDir, `${name}.meta.json`);
  const routes = await Promise.all(
    images.map(async (name) => JSON.parse(await readFile(metadataFor(name), 'utf8')).extent as string),
  );

  const detector = await deps.models.detector('lesion-detector');
  const lesionClassifier = await deps.models.classifier('lesion-classifier');
  const rashClassifier = await deps.models.classifier('rash-classifier');

  // Models alone: the same work the pipeline's model calls do, on images decoded beforehand.
  const decoded = await Promise.all(
    images.map(
      async (name) => (await decodeImage(await readFile(join(sampleDir, name)), { maxPixels: 50e6 })).image,
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

  let uploadCounter = 0;
  async function uploadAll(): Promise<string[]> {
    const keys: string[] = [];
    for (let copy = 0; copy < copiesPerRound; copy++) {
      for (const name of images) {
        const key = `uploads/bench/${uploadCounter++}/${name}`;
        await uploadImage(deps.blobStore, {
          imagePath: join(sampleDir, name),
          metadataPath: metadataFor(name),
          key,
        });
        keys.push(key);
      }
    }
    return keys;
  }

  // Warm-up: sessions, JIT, caches.
  for (const key of await uploadAll())
    await runInference({ source: { key }, requestId: 'warm', trigger: 'bench' }, deps);
  for (let index = 0; index < images.length; index++) await modelsOnly(index);

  const pipelineRates: number[] = [];
  const modelRates: number[] = [];
  const overheads: number[] = [];
  const stepTotals: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    const keys = await uploadAll();
    storageMs = 0;
    let wallMs = 0;
    let accountedMs = 0;
    for (const key of keys) {
      const start = performance.now();
      const { record, reused } = await runInference(
        { source: { key }, requestId: randomUUID(), trigger: 'bench' },
        deps,
      );
      wallMs += performance.now() - start;
      if (reused || record.status !== 'succeeded') throw new Error(`bench run ${key} ended ${record.status}`);
      const timing = (name: string) => record.timings[name] ?? 0;
      accountedMs +=
        timing('fetch-image.download') +
        timing('fetch-image.decode') +
        timing('localize.inference') +
        timing('localize.save-crop') +
        timing('classify.inference');
      for (const [name, value] of Object.entries(record.timings)) {
        stepTotals[name] = [...(stepTotals[name] ?? []), value];
      }
    }
    pipelineRates.push(keys.length / (wallMs / 1000));
    overheads.push((wallMs - accountedMs - storageMs) / keys.length);

    const modelStart = performance.now();
    for (let copy = 0; copy < copiesPerRound; copy++) {
      for (let index = 0; index < images.length; index++) await modelsOnly(index);
    }
    modelRates.push((copiesPerRound * images.length) / ((performance.now() - modelStart) / 1000));
  }
  await deps.close();
  await rm(dataDir, { recursive: true, force: true });

  const pipelineRate = median(pipelineRates);
  const modelRate = median(modelRates);
  console.log(
    `DDx Assist pipeline benchmark (${rounds} rounds x ${copiesPerRound * images.length} images, ${images.length} samples, concurrency 1)`,
  );
  console.log(`  node ${process.version}, ${process.platform}/${process.arch}`);
  console.log(`  whole pipeline         ${pipelineRate.toFixed(1)} images/s (median of rounds)`);
  console.log(`  models alone           ${modelRate.toFixed(1)} images/s`);
  console.log(`  ratio pipeline/models  ${(pipelineRate / modelRate).toFixed(2)}`);
  console.log(
    `  orchestration overhead ${median(overheads).toFixed(2)} ms/image (wall minus download, decode, inference, crop save, record save)`,
  );
  console.log('  median step timings (ms):');
  for (const [name, values] of Object.entries(stepTotals))
    console.log(`    ${name.padEnd(22)} ${median(values).toFixed(1)}`);

  const peak = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(packageRoot, 'bench/peak-memory.ts')],
    {
      encoding: 'utf8',
      env: { ...process.env, DDX_LOG_LEVEL: 'silent' },
    },
  );
  process.stdout.write(peak);
}

await main();
