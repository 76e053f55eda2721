/**
 * Peak memory for one 12-megapixel JPEG through the whole pipeline, in a fresh process: the
 * resident set after start-up and a small warm-up image, then the peak after the large image.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { uploadImage } from '../src/cli/upload-image.js';
import { composeDependencies } from '../src/compose.js';
import { loadConfig, packageRoot } from '../src/config.js';
import { runInference } from '../src/pipeline/run-inference.js';

const megabytes = (kilobytes: number) => (kilobytes / 1024).toFixed(0);

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'ddx-peak-'));
  const deps = await composeDependencies(
    loadConfig({ ...process.env, DDX_DATA_DIR: dataDir, DDX_LOG_LEVEL: 'silent' }),
  );
  const metadataPath = join(packageRoot, 'samples', 'localized-melanoma-back.jpg.meta.json');

  // A 4000 x 3000 photo-like JPEG: the sample lesion scaled up over textured skin.
  const large = join(dataDir, 'large-12mp.jpg');
  const noise = Buffer.alloc(4000 * 3000 * 3);
  for (let index = 0; index < noise.length; index += 3) {
    const grain = (index * 2654435761) % 23;
    noise[index] = 210 + grain;
    noise[index + 1] = 170 + grain;
    noise[index + 2] = 140 + grain;
  }
  const lesion = await sharp(join(packageRoot, 'samples', 'localized-melanoma-back.jpg'))
    .resize(1600)
    .toBuffer();
  await writeFile(
    large,
    await sharp(noise, { raw: { width: 4000, height: 3000, channels: 3 } })
      .composite([{ input: lesion, left: 1200, top: 900 }])
      .jpeg({ quality: 90 })
      .toBuffer(),
  );

  await uploadImage(deps.blobStore, {
    imagePath: join(packageRoot, 'samples', 'localized-melanoma-back.jpg'),
    metadataPath,
    key: 'uploads/warm.jpg',
  });
  await runInference({ source: { key: 'uploads/warm.jpg' }, requestId: 'warm', trigger: 'bench' }, deps);
  const baseline = process.resourceUsage().maxRSS;

  await uploadImage(deps.blobStore, { imagePath: large, metadataPath, key: 'uploads/large-12mp.jpg' });
  const { record } = await runInference(
    { source: { key: 'uploads/large-12mp.jpg' }, requestId: 'large', trigger: 'bench' },
    deps,
  );
  const peak = process.resourceUsage().maxRSS;
  await deps.close();
  await rm(dataDir, { recursive: true, force: true });

  console.log(
    `  12-megapixel JPEG (4000x3000): ${record.status}, total ${record.timings.total?.toFixed(0)} ms (decode ${record.timings['fetch-image.decode']?.toFixed(0)} ms)`,
  );
  console.log(
    `  peak RSS ${megabytes(peak)} MB; after start-up and a small image ${megabytes(baseline)} MB; the large image added ${megabytes(peak - baseline)} MB`,
  );
}

await main();
