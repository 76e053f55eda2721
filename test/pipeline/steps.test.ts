/**
 * Unit tests of each pipeline step on its own, with the in-memory fakes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import type { Prompt } from '../../src/domain.js';
import { DdxError } from '../../src/errors.js';
import { StepTimer } from '../../src/observability/step-timer.js';
import { classify } from '../../src/pipeline/classify.js';
import { fetchImage } from '../../src/pipeline/fetch-image.js';
import { loadContext } from '../../src/pipeline/load-context.js';
import { localize, pickRegionOfInterest } from '../../src/pipeline/localize.js';
import { recommend } from '../../src/pipeline/recommend.js';
import { createInMemoryBlobStore } from '../support/in-memory-blob-store.js';
import { createFakeModels, createPipelineFixture, sampleJpeg, upload } from '../support/pipeline-fixture.js';

const step = () => ({ signal: new AbortController().signal, logger: createPipelineFixture().deps.logger });
const prompt: Prompt = {
  name: 'p',
  version: 3,
  type: 'text',
  prompt: 'x',
  config: {},
  labels: [],
  isFallback: true,
};

describe('load-context step', () => {
  it('returns the head, the validated context and the identifiers apart', async () => {
    const blobStore = createInMemoryBlobStore();
    await upload(blobStore, 'uploads/a.jpg', await sampleJpeg(), {
      'body-site': 'Back',
      age: '91',
      mrn: 'MRN-1',
    });
    const loaded = await loadContext(blobStore, 'uploads/a.jpg', undefined, step());
    assert.equal(loaded.context.bodySite, 'back');
    assert.equal(loaded.context.ageYears, 91);
    assert.deepEqual(loaded.patient, { patientId: 'MRN-1' });
    assert.match(loaded.head.etag ?? '', /^"[0-9a-f]{32}"$/);
  });
});

describe('fetch-image step', () => {
  it('downloads, digests and decodes, timing download and decode', async () => {
    const blobStore = createInMemoryBlobStore();
    const bytes = await sampleJpeg(100, 80);
    await upload(blobStore, 'uploads/b.jpg', bytes);
    const timer = new StepTimer();
    const fetched = await fetchImage(
      blobStore,
      'uploads/b.jpg',
      undefined,
      { maxImageBytes: 1e6, maxImagePixels: 1e6 },
      timer,
      step(),
    );
    assert.deepEqual(
      [fetched.image.width, fetched.image.height, fetched.format, fetched.bytes],
      [100, 80, 'jpeg', bytes.length],
    );
    assert.equal(fetched.image.pixels.length, 100 * 80 * 3);
    assert.match(fetched.sha256, /^[0-9a-f]{64}$/);
    assert.ok('fetch-image.download' in timer.snapshot() && 'fetch-image.decode' in timer.snapshot());
  });

  it('refuses an image over the pixel limit before decoding it', async () => {
    const blobStore = createInMemoryBlobStore();
    await upload(blobStore, 'uploads/c.jpg', await sampleJpeg(100, 80));
    await assert.rejects(
      fetchImage(
        blobStore,
        'uploads/c.jpg',
        undefined,
        { maxImageBytes: 1e6, maxImagePixels: 7999 },
        new StepTimer(),
        step(),
      ),
      (error: unknown) => error instanceof DdxError && error.code === 'IMAGE_TOO_LARGE',
    );
  });
});

describe('localize step', () => {
  const settings = async () => {
    const models = createFakeModels();
    return {
      models,
      blobStore: createInMemoryBlobStore(),
      detector: await models.detector('fake-detector'),
      image: { width: 100, height: 80, pixels: Buffer.alloc(100 * 80 * 3, 128) },
    };
  };

  it('picks the most confident box, the larger on a tie', () => {
    const small = { box: { x: 0, y: 0, width: 5, height: 5 }, confidence: 0.8, label: 'lesion' };
    const large = { box: { x: 0, y: 0, width: 50, height: 50 }, confidence: 0.8, label: 'lesion' };
    const best = { box: { x: 0, y: 0, width: 1, height: 1 }, confidence: 0.9, label: 'lesion' };
    assert.equal(pickRegionOfInterest([small, large]), large);
    assert.equal(pickRegionOfInterest([small, best, large]), best);
    assert.equal(pickRegionOfInterest([]), undefined);
  });

  it('crops the padded region, clamped to the image, and stores it with links to its source', async () => {
    const { models, blobStore, detector, image } = await settings();
    models.detections = [{ box: { x: 80, y: 60, width: 20, height: 20 }, confidence: 0.7, label: 'lesion' }];
    const result = await localize(
      image,
      {
        detector,
        blobStore,
        cropPadding: 0.5,
        cropKey: 'derived/crops/r.jpg',
        sourceKey: 'uploads/ä b.jpg',
        recordId: 'r',
      },
      new StepTimer(),
      step(),
    );
    assert.equal(result.input, 'crop');
    assert.deepEqual(result.localization.roi?.paddedBox, { x: 70, y: 50, width: 30, height: 30 });
    assert.deepEqual([result.classifierInput.width, result.classifierInput.height], [30, 30]);
    // The crop is saved beside classification: stored once its save settles.
    await result.cropSaved;
    const stored = blobStore.objects.get('derived/crops/r.jpg');
    assert.ok(stored);
    assert.equal((await sharp(stored.body).metadata()).format, 'jpeg');
    assert.deepEqual(stored.metadata, { 'source-key': 'uploads%2F%C3%A4%20b.jpg', 'record-id': 'r' });
  });

  it('hands the whole image on and stores nothing when nothing is detected', async () => {
    const { models, blobStore, detector, image } = await settings();
    models.detections = [];
    const result = await localize(
      image,
      {
        detector,
        blobStore,
        cropPadding: 0.15,
        cropKey: 'derived/crops/n.jpg',
        sourceKey: 'k',
        recordId: 'n',
      },
      new StepTimer(),
      step(),
    );
    assert.equal(result.input, 'whole-image');
    assert.equal(result.classifierInput, image);
    assert.equal(blobStore.objects.size, 0);
  });
});

describe('classify step', () => {
  it('names the model and its status, ranks by calibrated probability and keeps the raw one', async () => {
    const models = createFakeModels();
    models.labels = [
      { label: 'melanoma', probability: 0.123456 },
      { label: 'melanocytic-nevus', probability: 0.876544 },
    ];
    const result = await classify(
      await models.classifier('fake-classifier'),
      { width: 1, height: 1, pixels: Buffer.alloc(3) },
      'crop',
      'rec_1',
      new StepTimer(),
      step(),
    );
    // Without a temperature in the card the calibrated probabilities are the raw ones.
    assert.deepEqual(result.classification, {
      model: { id: 'fake-classifier', version: '0.2.0', status: 'demo' },
      input: 'crop',
      labels: [
        { label: 'melanocytic-nevus', probability: 0.8765, rawProbability: 0.8765 },
        { label: 'melanoma', probability: 0.1235, rawProbability: 0.1235 },
      ],
      calibration: null,
      modelNotice:
        'Demo model (fake-classifier 0.2.0; training data not stated), not validated on patients: this finding is not clinical evidence.',
    });
  });
});

describe('recommend step', () => {
  it('records provider, model and the prompt version and fallback flag', async () => {
    const { deps } = createPipelineFixture();
    const result = await recommend(
      deps.recommender,
      {
        findings: {
          classifier: { id: 'c', version: '1' },
          input: 'whole-image',
          labels: [{ label: 'melanoma', probability: 0.9 }],
          lesionFound: null,
        },
        context: {
          extent: 'localized',
          bodySite: null,
          age: null,
          sex: null,
          specialty: null,
          durationDays: null,
          imageType: null,
        },
        notes: null,
        prompt,
      },
      step(),
    );
    assert.equal(result.provider, 'knowledge-base');
    assert.equal(result.model, 'ddx-knowledge-base@test-1');
    assert.deepEqual(result.prompt, { name: 'p', version: 3, label: null, isFallback: true });
  });
});
