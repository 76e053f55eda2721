/**
 * The candidate routing tables (models/candidates/) run as documented, with no code change: the
 * retrained detector 2.0.0 finds the sample lesion, and the extent classifier 2.0.0 decides the
 * route of a photo uploaded without an extent.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { uploadLocalImage } from '../../src/cli/upload-image.js';
import { type ComposedDependencies, composeDependencies } from '../../src/compose.js';
import { loadConfig, packageRoot } from '../../src/config.js';
import { runInference } from '../../src/pipeline/run-inference.js';
import type { InferenceRecord } from '../../src/record.js';

function candidateTable(file: string) {
  let dataDir: string;
  let deps: ComposedDependencies;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ddx-candidate-'));
    deps = await composeDependencies(
      loadConfig({
        DDX_DATA_DIR: dataDir,
        DDX_LOG_LEVEL: 'error',
        DDX_ROUTES: join(packageRoot, 'models', 'candidates', file),
      }),
    );
  });
  after(async () => {
    await deps.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return async (sample: string, withMetadata: boolean): Promise<InferenceRecord> => {
    const imagePath = join(packageRoot, 'samples', sample);
    const source = await uploadLocalImage(deps.blobStore, {
      imagePath,
      metadataPath: withMetadata ? `${imagePath}.meta.json` : undefined,
      inputPrefix: 'uploads/',
      name: sample,
    });
    return (await runInference({ source, requestId: `candidate-${sample}`, trigger: 'cli' }, deps)).record;
  };
}

describe('models/candidates/routes.yaml', () => {
  const run = candidateTable('routes.yaml');
  it('finds the sample lesion with the retrained detector and classifies the crop', async () => {
    const record = await run('localized-melanoma-back.jpg', true);
    assert.equal(record.status, 'succeeded');
    assert.deepEqual(
      { id: record.localization?.detector.id, version: record.localization?.detector.version },
      { id: 'lesion-detector', version: '2.0.0' },
    );
    assert.ok(record.localization?.roi, 'a region of interest');
    assert.equal(record.classification?.input, 'crop');
  });
});

describe('models/candidates/routes.extent-model.yaml', () => {
  const run = candidateTable('routes.extent-model.yaml');
  it('lets the extent classifier route photos uploaded without an extent, saying so', async () => {
    for (const [sample, extent] of [
      ['widespread-psoriasis-trunk.jpg', 'widespread'],
      ['localized-melanoma-back.jpg', 'localized'],
    ] as const) {
      const record = await run(sample, false);
      assert.equal(record.route?.predictedExtent?.by, 'model', sample);
      assert.equal(record.route?.predictedExtent?.extent, extent, sample);
      assert.match(record.route?.predictedExtent?.reason ?? '', /^extent-classifier 2\.0\.0 gave /);
    }
  });
});
