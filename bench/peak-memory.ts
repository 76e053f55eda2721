/**
 * Peak memory for one large photo (the path given) through the whole pipeline, in a fresh
 * process: the resident set after start-up and a small warm-up image, then the peak after the
 * large one. Ends with `{"peakRssMb": N}` for bench/pipeline.bench.ts.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { uploadImage } from '../src/cli/upload-image.js';
import { composeDependencies } from '../src/compose.js';
import { loadConfig, packageRoot } from '../src/config.js';
import { runInference } from '../src/pipeline/run-inference.js';

const megabytes = (kilobytes: number) => kilobytes / 1024;

async function main() {
  const large = process.argv[2];
  if (!large) throw new Error('usage: peak-memory.ts <photo.jpg>');
  const dataDir = await mkdtemp(join(tmpdir(), 'ddx-peak-'));
  const config = loadConfig({ ...process.env, DDX_DATA_DIR: dataDir, DDX_LOG_LEVEL: 'silent' });
  const deps = await composeDependencies(config);
  const metadataPath = join(packageRoot, 'samples', 'localized-melanoma-back.jpg.meta.json');

  await uploadImage(deps.blobStore, {
    imagePath: join(packageRoot, 'samples', 'localized-melanoma-back.jpg'),
    metadataPath,
    key: 'uploads/warm.jpg',
  });
  await runInference({ source: { key: 'uploads/warm.jpg' }, requestId: 'warm', trigger: 'bench' }, deps);
  // Placed by the kernel (copy_file_range), not read into this process: only the job is measured.
  if (config.blobStore.kind !== 'fs') throw new Error('peak-memory needs the local folder blob store');
  const target = join(config.blobStore.root, 'uploads/large.jpg');
  // Uploads through the store live in version folders: the plain uploads/ folder may not exist yet.
  await mkdir(dirname(target), { recursive: true });
  await copyFile(large, target);
  await copyFile(metadataPath, `${target}.meta.json`);
  const baseline = process.resourceUsage().maxRSS;

  const { record } = await runInference(
    { source: { key: 'uploads/large.jpg' }, requestId: 'large', trigger: 'bench' },
    deps,
  );
  const peak = process.resourceUsage().maxRSS;
  await deps.close();
  await rm(dataDir, { recursive: true, force: true });

  const image = record.image ? `${record.image.width}x${record.image.height}` : '?';
  console.log(
    `  ${image} JPEG: ${record.status}, total ${record.timings.total?.toFixed(0)} ms (decode ${record.timings['fetch-image.decode']?.toFixed(0)} ms); peak RSS ${megabytes(peak).toFixed(0)} MB, ${megabytes(baseline).toFixed(0)} MB before it`,
  );
  console.log(JSON.stringify({ peakRssMb: Math.round(megabytes(peak)) }));
}

await main();
