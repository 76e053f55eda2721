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

  // herpes-zoster-dermatomo.jpg is left out: the detector's best region on it is 74.9%, on the
  // rule's 75% line, so decode resampling alone decides its route (the test below covers it).
  for (const file of ['sarampo-exantema.jpg', 'sifilis-secundaria-exantema.jpg', 'psoriase-placas.jpg']) {
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

  it('keeps a single-lesion photo (no metadata) on the lesion route, saying the image suggested it', async () => {
    const record = await routeOf('melanoma-lesao.jpg');
    assert.equal(record.route?.name, 'unspecified-extent');
    assert.equal(record.classification?.model.id, 'lesion-classifier');
    assert.equal(record.route?.extent, 'unspecified');
    assert.equal(record.route?.predictedExtent?.extent, 'localized');
    assert.match(
      record.route?.reason ?? '',
      /the image suggested localized \(lesion-detector found a region at \d+%/,
    );
  });

  it("routes a photo on the rule's threshold by what the image suggested, and says so", async () => {
    const record = await routeOf('herpes-zoster-dermatomo.jpg');
    const predicted = record.route?.predictedExtent;
    assert.ok(predicted, 'the prediction is in the record');
    const expectedRoute =
      predicted.extent === 'widespread' ? 'unspecified-extent-widespread' : 'unspecified-extent';
    assert.equal(record.route?.name, expectedRoute);
    assert.ok(record.route?.reason.includes(predicted.reason));
  });
});
