/**
 * Routing without metadata on real photos (issue 10 item 4): the shared Wikimedia rash photos,
 * uploaded with no extent, reach the rash classifier because the image decided; a single
 * melanoma photo stays on the lesion route. Skipped when ../shared/data is absent.
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { uploadLocalImage } from '../../src/cli/upload-image.js';
import { type ComposedDependencies, composeDependencies } from '../../src/compose.js';
import { loadConfig, packageRoot } from '../../src/config.js';
import { runInference } from '../../src/pipeline/run-inference.js';

const photos = join(packageRoot, '..', 'shared', 'data', 'derm', 'rash_and_clinical_wikimedia');
const present = await access(photos).then(
  () => true,
  () => false,
);

describe('routing without metadata on the shared photos', {
  skip: present ? false : '../shared/data is absent',
}, () => {
  let dataDir: string;
  let deps: ComposedDependencies;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ddx-route-'));
    deps = await composeDependencies(loadConfig({ DDX_DATA_DIR: dataDir, DDX_LOG_LEVEL: 'error' }));
  });
  after(async () => {
    await deps.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const routeOf = async (file: string) => {
    const source = await uploadLocalImage(deps.blobStore, {
      imagePath: join(photos, file),
      metadataPath: undefined,
      inputPrefix: 'uploads/',
      name: file,
    });
    const { record } = await runInference({ source, requestId: `route-${file}`, trigger: 'cli' }, deps);
    return record;
  };

  for (const file of [
    'sarampo-exantema.jpg',
    'sifilis-secundaria-exantema.jpg',
    'psoriase-placas.jpg',
    'herpes-zoster-dermatomo.jpg',
  ]) {
    it(`sends ${file} (no metadata) to the rash classifier, saying the image decided`, async () => {
      const record = await routeOf(file);
      assert.equal(record.context?.extent, 'unspecified');
      assert.equal(record.route?.name, 'unspecified-extent-widespread');
      assert.equal(record.route?.extent, 'widespread');
      assert.equal(record.classification?.model.id, 'rash-classifier');
      assert.match(record.route?.reason ?? '', /the image decided: widespread \(lesion-detector/);
      assert.ok(record.timings['route.predict-extent'] !== undefined);
    });
  }

  it('keeps a single-lesion photo (no metadata) on the lesion route', async () => {
    const record = await routeOf('melanoma-lesao.jpg');
    assert.equal(record.route?.name, 'unspecified-extent');
    assert.equal(record.classification?.model.id, 'lesion-classifier');
    assert.equal(record.route?.extent, 'unspecified');
  });
});
