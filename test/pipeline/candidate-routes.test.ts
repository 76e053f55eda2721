/**
 * The candidate routing table (models/candidates/routes.yaml) runs as it is documented: the
 * retrained detector 2.0.0 finds the sample lesion and the shipped classifiers classify its crop,
 * with no code change.
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

describe('the candidate routing table', () => {
  let dataDir: string;
  let deps: ComposedDependencies;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ddx-candidate-'));
    deps = await composeDependencies(
      loadConfig({
        DDX_DATA_DIR: dataDir,
        DDX_LOG_LEVEL: 'error',
        DDX_ROUTES: join(packageRoot, 'models', 'candidates', 'routes.yaml'),
      }),
    );
  });
  after(async () => {
    await deps.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finds the sample lesion with the retrained detector and classifies the crop', async () => {
    const imagePath = join(packageRoot, 'samples', 'localized-melanoma-back.jpg');
    const source = await uploadLocalImage(deps.blobStore, {
      imagePath,
      metadataPath: `${imagePath}.meta.json`,
      inputPrefix: 'uploads/',
      name: 'localized-melanoma-back.jpg',
    });
    const { record } = await runInference({ source, requestId: 'candidate', trigger: 'cli' }, deps);
    assert.equal(record.status, 'succeeded');
    assert.deepEqual(
      { id: record.localization?.detector.id, version: record.localization?.detector.version },
      { id: 'lesion-detector', version: '2.0.0' },
    );
    assert.ok(record.localization?.roi, 'a region of interest');
    assert.equal(record.classification?.input, 'crop');
    assert.equal(record.classification?.model.version, '1.0.0');
  });
});
