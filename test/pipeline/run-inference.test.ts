import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import type { Prompt, RecommendationRequest } from '../../src/domain.js';
import { DdxError, DependencyError, ServiceErrorCode } from '../../src/errors.js';
import { runInference } from '../../src/pipeline/run-inference.js';
import type { PromptSource } from '../../src/ports.js';
import { recordIdFor } from '../../src/record.js';
import { abortableSleep } from '../../src/resilience/retry.js';
import { dicomFile, imagePixelElements, TransferSyntaxUid } from '../support/dicom-files.js';
import {
  classifierCard,
  createPipelineFixture,
  type PipelineFixture,
  sampleJpeg,
  upload,
} from '../support/pipeline-fixture.js';

const job = (key: string) => ({ source: { key }, requestId: 'request-1', trigger: 'cli' as const });
/** Past every decision threshold in models/assessment.json: the assessment is confident. */
const confidentMelanoma = [
  { label: 'melanoma', probability: 0.999 },
  { label: 'melanocytic-nevus', probability: 0.001 },
];
const localized = { extent: 'localized', bodySite: 'back', age: 54, sex: 'female', specialty: 'dermatology' };

describe('runInference', () => {
  it('localizes, crops, saves the crop and classifies the crop on a localized route', async () => {
    const { deps, blobStore, resultStore, models } = createPipelineFixture();
    await upload(blobStore, 'uploads/lesion.jpg', await sampleJpeg(), localized);

    const { record, reused } = await runInference(job('uploads/lesion.jpg'), deps);

    assert.equal(reused, false);
    assert.equal(record.status, 'succeeded');
    assert.equal(record.route?.name, 'localized-lesion');
    assert.equal(record.classification?.input, 'crop');
    assert.deepEqual(record.localization?.roi?.paddedBox, { x: 14, y: 5, width: 52, height: 40 });
    assert.equal(record.localization?.cropKey, `derived/crops/${record.id}.jpg`);
    const crop = blobStore.objects.get(`derived/crops/${record.id}.jpg`);
    assert.ok(crop);
    assert.deepEqual(
      await sharp(crop.body)
        .metadata()
        .then(({ width, height }) => [width, height]),
      [52, 40],
    );
    assert.equal(crop.metadata['record-id'], record.id);
    const classified = models.classifyCalls[0];
    assert.ok(classified);
    assert.deepEqual([classified.width, classified.height], [52, 40]);
    assert.deepEqual(await resultStore.get(record.id), record);
  });

  it('records per-step timings, the input digest and the image facts', async () => {
    const { deps, blobStore } = createPipelineFixture();
    const bytes = await sampleJpeg();
    await upload(blobStore, 'uploads/timed.jpg', bytes, localized);
    const { record } = await runInference(job('uploads/timed.jpg'), deps);
    for (const step of [
      'load-context',
      'fetch-image',
      'fetch-image.decode',
      'route',
      'localize',
      'localize.inference',
      'classify',
      'recommend',
      'total',
    ]) {
      assert.equal(typeof record.timings[step], 'number', `timing for ${step}`);
    }
    assert.match(record.inputSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(record.image, { format: 'jpeg', width: 120, height: 90, bytes: bytes.length });
  });

  it('classifies the whole image and says so when no lesion is detected', async () => {
    const { deps, blobStore, models } = createPipelineFixture();
    models.detections = [];
    await upload(blobStore, 'uploads/clear.jpg', await sampleJpeg(), localized);
    const { record } = await runInference(job('uploads/clear.jpg'), deps);
    assert.equal(record.status, 'succeeded');
    assert.equal(record.classification?.input, 'whole-image');
    assert.equal(record.localization?.roi, null);
    assert.equal(record.localization?.cropKey, null);
    assert.match(record.localization?.note ?? '', /whole image/);
    assert.match(record.recommendation?.uncertainty ?? '', /No lesion was detected/);
    assert.deepEqual([models.classifyCalls[0]?.width, models.classifyCalls[0]?.height], [120, 90]);
  });

  it('skips detection on a widespread route', async () => {
    const { deps, blobStore, models } = createPipelineFixture();
    await upload(blobStore, 'uploads/rash.jpg', await sampleJpeg(), { extent: 'widespread' });
    const { record } = await runInference(job('uploads/rash.jpg'), deps);
    assert.equal(record.route?.name, 'widespread-rash');
    assert.equal(record.localization, null);
    assert.equal(models.detectCalls.length, 0);
    assert.equal(record.classification?.input, 'whole-image');
  });

  it('routes an upload without metadata through the unspecified-extent route', async () => {
    const { deps, blobStore } = createPipelineFixture();
    await upload(blobStore, 'uploads/bare.jpg', await sampleJpeg());
    const { record } = await runInference(job('uploads/bare.jpg'), deps);
    assert.equal(record.status, 'succeeded');
    assert.equal(record.route?.name, 'unspecified-extent');
    assert.equal(record.context?.extent, 'unspecified');
  });

  it('builds recommendations and checked billing codes from the findings', async () => {
    const { deps, blobStore, models } = createPipelineFixture();
    // A confident answer: the top finding is coded (an uncertain one is coded as its sign).
    models.labels = confidentMelanoma;
    await upload(blobStore, 'uploads/billing.jpg', await sampleJpeg(), localized);
    const { record } = await runInference(job('uploads/billing.jpg'), deps);
    assert.equal(record.recommendation?.provider, 'knowledge-base');
    assert.deepEqual(record.recommendation?.prompt, {
      name: 'ddx-recommendations',
      version: 1,
      label: null,
      isFallback: false,
    });
    assert.equal(record.recommendation?.differentials[0]?.condition, 'Cutaneous melanoma');
    // Site-specific code from the knowledge base (back -> trunk) wins over the card's unspecified one.
    assert.deepEqual(
      record.billing?.suggestions.map((suggestion) => [suggestion.code, suggestion.sources]),
      [['C43.59', ['knowledge-base', 'model-card:fake-classifier']]],
    );
  });

  it('overlaps the prompt fetch with the image download', async () => {
    const { deps, blobStore } = createPipelineFixture();
    await upload(blobStore, 'uploads/overlap.jpg', await sampleJpeg(), localized);
    // The download cannot finish until the prompt has been requested: sequential code would hang.
    let promptRequested!: () => void;
    const promptWasRequested = new Promise<void>((resolve) => {
      promptRequested = resolve;
    });
    const realGet = blobStore.get.bind(blobStore);
    blobStore.get = async (key, options) => {
      await promptWasRequested;
      return realGet(key, options);
    };
    const realPrompts = deps.promptSource;
    deps.promptSource = {
      name: 'watching',
      get(name, options) {
        promptRequested();
        return realPrompts.get(name, options);
      },
    };
    const { record } = await runInference(
      { ...job('uploads/overlap.jpg'), deadline: Date.now() + 5000 },
      deps,
    );
    assert.equal(record.status, 'succeeded');
  });

  it('does no work twice for a redelivered upload and writes nothing new', async () => {
    const { deps, blobStore, resultStore, models } = createPipelineFixture();
    await upload(blobStore, 'uploads/again.jpg', await sampleJpeg(), localized);
    const first = await runInference(job('uploads/again.jpg'), deps);
    const second = await runInference(job('uploads/again.jpg'), deps);
    assert.equal(second.reused, true);
    assert.deepEqual(second.record, first.record);
    assert.equal(models.detectCalls.length, 1);
    assert.equal(models.classifyCalls.length, 1);
    assert.equal(resultStore.saves, 1);
  });

  it('answers a redelivery that names the ETag before touching the blob store', async () => {
    const { deps, blobStore } = createPipelineFixture();
    await upload(blobStore, 'uploads/etag.jpg', await sampleJpeg(), localized);
    const { record } = await runInference(job('uploads/etag.jpg'), deps);
    blobStore.head = async () => assert.fail('head must not be called');
    blobStore.get = async () => assert.fail('get must not be called');
    const again = await runInference(
      { ...job('uploads/etag.jpg'), source: { key: 'uploads/etag.jpg', etag: record.source.etag } },
      deps,
    );
    assert.equal(again.reused, true);
    assert.equal(again.record.id, record.id);
  });

  it('fails with INVALID_METADATA at load-context for wrongly typed metadata', async () => {
    const { deps, blobStore, models } = createPipelineFixture();
    await upload(blobStore, 'uploads/typed.jpg', await sampleJpeg(), { extent: 'localized', age: 'fifty' });
    const { record } = await runInference(job('uploads/typed.jpg'), deps);
    assert.equal(record.status, 'failed');
    assert.deepEqual(
      { code: record.error?.code, step: record.error?.step, retriable: record.error?.retriable },
      { code: 'INVALID_METADATA', step: 'load-context', retriable: false },
    );
    assert.match(record.error?.message ?? '', /ageYears/);
    assert.equal(models.detectCalls.length, 0);
  });

  it('fails with INVALID_METADATA for a malformed metadata file', async () => {
    const { deps, blobStore } = createPipelineFixture();
    await upload(blobStore, 'uploads/malformed.jpg', await sampleJpeg(), '{"extent": localized');
    const { record } = await runInference(job('uploads/malformed.jpg'), deps);
    assert.deepEqual(
      [record.status, record.error?.code, record.error?.step],
      ['failed', 'INVALID_METADATA', 'load-context'],
    );
  });

  it('fails with CORRUPT_IMAGE at fetch-image for a truncated JPEG', async () => {
    const { deps, blobStore } = createPipelineFixture();
    const noisy = await sharp(
      Buffer.from(Array.from({ length: 200 * 150 * 3 }, (_, index) => (index * 7919) % 256)),
      {
        raw: { width: 200, height: 150, channels: 3 },
      },
    )
      .jpeg()
      .toBuffer();
    await upload(blobStore, 'uploads/truncated.jpg', noisy.subarray(0, noisy.length / 2), localized);
    const { record } = await runInference(job('uploads/truncated.jpg'), deps);
    assert.deepEqual(
      [record.status, record.error?.code, record.error?.step],
      ['failed', 'CORRUPT_IMAGE', 'fetch-image'],
    );
    assert.equal(record.classification, null);
  });

  it('fails with OBJECT_NOT_FOUND for a missing object', async () => {
    const { deps } = createPipelineFixture();
    const { record } = await runInference(job('uploads/nowhere.jpg'), deps);
    assert.deepEqual(
      [record.status, record.error?.code, record.error?.step],
      ['failed', 'OBJECT_NOT_FOUND', 'load-context'],
    );
  });

  it('serves the knowledge base and marks the record degraded when the configured recommender fails', async () => {
    const { deps, blobStore, models } = createPipelineFixture({
      recommender: {
        name: 'broken-llm',
        recommend: async () => {
          throw new DependencyError('LLM unavailable', {
            code: ServiceErrorCode.dependencyUnavailable,
            retriable: true,
          });
        },
      },
    });
    models.labels = confidentMelanoma;
    await upload(blobStore, 'uploads/degraded.jpg', await sampleJpeg(), localized);
    const { record } = await runInference(job('uploads/degraded.jpg'), deps);
    assert.equal(record.status, 'degraded');
    assert.equal(record.recommendation?.provider, 'knowledge-base');
    assert.equal(record.classification?.labels[0]?.label, 'melanoma');
    assert.deepEqual(
      [record.error?.code, record.error?.step, record.error?.retriable],
      ['DEPENDENCY_UNAVAILABLE', 'recommend', true],
    );
    assert.deepEqual(
      record.billing?.suggestions.map((suggestion) => suggestion.code),
      ['C43.59'],
    );
  });

  it('keeps the findings alone when even the knowledge base fails', async () => {
    const broken = {
      name: 'broken',
      recommend: async () => {
        throw new Error('knowledge base unreadable');
      },
    };
    const { deps, blobStore, models } = createPipelineFixture({
      recommender: broken,
      knowledgeRecommender: broken,
    });
    models.labels = confidentMelanoma;
    await upload(blobStore, 'uploads/no-kb.jpg', await sampleJpeg(), localized);
    const { record } = await runInference(job('uploads/no-kb.jpg'), deps);
    assert.equal(record.status, 'degraded');
    assert.equal(record.recommendation, null);
    assert.deepEqual([record.error?.code, record.error?.step], ['INTERNAL_ERROR', 'recommend']);
    assert.deepEqual(
      record.billing?.suggestions.map((suggestion) => suggestion.code),
      ['C43.9'],
    );
  });

  it('records a retriable failure and replaces it when a redelivery succeeds', async () => {
    const { deps, blobStore, resultStore, models } = createPipelineFixture();
    await upload(blobStore, 'uploads/flaky.jpg', await sampleJpeg(), localized);
    models.classifierError = new DependencyError('endpoint returned 503', {
      code: ServiceErrorCode.dependencyUnavailable,
      retriable: true,
    });
    const first = await runInference(job('uploads/flaky.jpg'), deps);
    assert.deepEqual(
      [first.record.status, first.record.error?.step, first.record.error?.retriable],
      ['failed', 'classify', true],
    );

    models.classifierError = undefined;
    const second = await runInference(job('uploads/flaky.jpg'), deps);
    assert.equal(second.reused, false);
    assert.equal(second.record.status, 'succeeded');
    assert.equal(second.record.createdAt, first.record.createdAt);
    assert.equal((await resultStore.get(first.record.id))?.status, 'succeeded');
  });

  it('fails retriably with DEADLINE_EXCEEDED when the deadline has passed', async () => {
    const { deps, blobStore } = createPipelineFixture();
    await upload(blobStore, 'uploads/late.jpg', await sampleJpeg(), localized);
    const { record } = await runInference({ ...job('uploads/late.jpg'), deadline: Date.now() - 1 }, deps);
    assert.deepEqual(
      [record.status, record.error?.code, record.error?.retriable],
      ['failed', 'DEADLINE_EXCEEDED', true],
    );
  });

  it('ends a hung dependency at the deadline instead of hanging', async () => {
    const hangingPrompts: PromptSource = {
      name: 'hanging',
      async get(_name, options): Promise<Prompt> {
        await abortableSleep(60_000, options?.signal);
        throw new Error('the deadline never came');
      },
    };
    const { deps, blobStore } = createPipelineFixture({ promptSource: hangingPrompts, minStepTimeMs: 0 });
    await upload(blobStore, 'uploads/hung.jpg', await sampleJpeg(), localized);
    const { record } = await runInference({ ...job('uploads/hung.jpg'), deadline: Date.now() + 300 }, deps);
    // Out of time is retriable: a redelivery may get the whole recommendation, not the fallback.
    assert.equal(record.status, 'failed');
    assert.deepEqual(
      [record.error?.code, record.error?.step, record.error?.retriable],
      ['DEADLINE_EXCEEDED', 'recommend', true],
    );
    assert.ok(record.classification, 'the findings so far are kept');
  });

  it('refuses to start a step with too little time left: a retriable failure, and the record is stored', async () => {
    const { deps, blobStore, resultStore } = createPipelineFixture();
    deps.minStepTimeMs = 60_000;
    await upload(blobStore, 'uploads/late.jpg', await sampleJpeg(), localized);
    const { record } = await runInference(
      { ...job('uploads/late.jpg'), deadline: Date.now() + 30_000 },
      deps,
    );
    assert.equal(record.status, 'failed');
    assert.equal(record.error?.code, 'DEADLINE_EXCEEDED');
    assert.equal(record.error?.retriable, true);
    assert.match(record.error?.message ?? '', /too little time left for (load-context|fetch-image)/);
    assert.deepEqual(await resultStore.get(record.id), record);
  });

  it('fails retriably, writing nothing, when the record cannot be stored before the write deadline', async () => {
    const { deps, blobStore, resultStore } = createPipelineFixture();
    const realSave = resultStore.save.bind(resultStore);
    resultStore.save = async (record, options) => {
      await abortableSleep(5_000, options?.signal);
      return realSave(record, options);
    };
    await upload(blobStore, 'uploads/slow-store.jpg', await sampleJpeg(), localized);
    const now = Date.now();
    await assert.rejects(
      runInference(
        { ...job('uploads/slow-store.jpg'), deadline: now + 20_000, writeDeadline: now + 200 },
        deps,
      ),
      { code: 'DEADLINE_EXCEEDED', step: 'persist', retriable: true },
    );
    assert.deepEqual(await resultStore.list(), []);
  });

  it('keeps patient identifiers apart: stored separately, never in the record, the recommender request or logs', async () => {
    const fixture = createPipelineFixture();
    const requests = watchRecommendations(fixture);
    await upload(fixture.blobStore, 'uploads/phi.jpg', await sampleJpeg(), {
      ...localized,
      patientName: 'Quintessa Marlowe-Finch',
      mrn: 'MRN-55500123',
      dob: '1961-04-12',
      notes: 'Call Quintessa on 555-0100 about the mole.',
    });
    const { record } = await runInference(job('uploads/phi.jpg'), fixture.deps);
    assert.equal(record.status, 'succeeded');
    assert.deepEqual(fixture.resultStore.patients.get(record.id), {
      name: 'Quintessa Marlowe-Finch',
      patientId: 'MRN-55500123',
      dateOfBirth: '1961-04-12',
    });
    assert.equal(record.context?.notesProvided, true);
    const outgoing = JSON.stringify([record, requests, fixture.logLines]);
    for (const marker of ['Quintessa', 'Marlowe', 'MRN-55500123', '1961-04-12', '555-0100']) {
      assert.ok(!outgoing.includes(marker), `${marker} leaked`);
    }
  });

  it('fills the context from DICOM tags the metadata left out, routes on them and keeps the identifiers apart', async () => {
    const fixture = createPipelineFixture();
    const { routingTable } = fixture.deps;
    const [localizedRoute] = routingTable.routes;
    assert.ok(localizedRoute);
    fixture.deps.routingTable = {
      ...routingTable,
      routes: [
        { ...localizedRoute, name: 'back-lesion', when: { bodySite: ['back'] } },
        ...routingTable.routes,
      ],
    };
    const requests = watchRecommendations(fixture);
    const photo = await sharp(await sampleJpeg())
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const dicom = dicomFile({
      transferSyntax: TransferSyntaxUid.explicitLittle,
      elements: [
        ...imagePixelElements({
          rows: photo.info.height,
          columns: photo.info.width,
          samplesPerPixel: 3,
          photometric: 'RGB',
          bitsAllocated: 8,
        }),
        { tag: [0x0010, 0x0010], vr: 'PN', value: 'Marlowe-Finch^Quintessa' },
        { tag: [0x0010, 0x0020], vr: 'LO', value: 'MRN-77100442' },
        { tag: [0x0010, 0x0030], vr: 'DA', value: '19610412' },
        { tag: [0x0010, 0x0040], vr: 'CS', value: 'F' },
        { tag: [0x0010, 0x1010], vr: 'AS', value: '064Y' },
        { tag: [0x0018, 0x0015], vr: 'CS', value: 'BACK' },
      ],
      pixelData: { native: photo.data, vr: 'OB' },
    });
    await upload(fixture.blobStore, 'uploads/study.dcm', dicom, {
      extent: 'localized',
      notes: 'Quintessa Marlowe-Finch noticed the mole last spring.',
    });
    const { record } = await runInference(job('uploads/study.dcm'), fixture.deps);

    assert.equal(record.status, 'succeeded');
    assert.equal(record.image?.format, 'dicom');
    assert.equal(record.route?.name, 'back-lesion', 'the body site from the tags chose the route');
    assert.deepEqual(
      [record.context?.bodySite, record.context?.sex, record.context?.age],
      ['back', 'female', '64'],
    );
    assert.deepEqual(fixture.resultStore.patients.get(record.id), {
      name: 'Quintessa Marlowe-Finch',
      patientId: 'MRN-77100442',
      dateOfBirth: '1961-04-12',
    });
    const outgoing = JSON.stringify([record, requests, fixture.logLines]);
    for (const marker of ['Quintessa', 'Marlowe', 'MRN-77100442', '1961-04-12', '19610412']) {
      assert.ok(!outgoing.includes(marker), `${marker} leaked`);
    }
  });

  it('runs the models once for two concurrent deliveries of the same object', async () => {
    const { deps, blobStore, resultStore, models } = createPipelineFixture();
    await upload(blobStore, 'uploads/race.jpg', await sampleJpeg(), localized);
    const outcomes = await Promise.allSettled([
      runInference(job('uploads/race.jpg'), deps),
      runInference(job('uploads/race.jpg'), deps),
    ]);
    const finished = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    assert.equal(finished.length, 1);
    assert.equal(refused.length, 1);
    assert.ok(refused[0]?.reason instanceof DdxError);
    assert.deepEqual([refused[0].reason.code, refused[0].reason.retriable], ['IN_PROGRESS', true]);
    assert.equal(models.classifyCalls.length, 1);
    assert.equal(resultStore.records.size, 1);
    // The claim was released: a redelivery now finds the finished record.
    const again = await runInference(job('uploads/race.jpg'), deps);
    assert.equal(again.reused, true);
  });

  it('looks up and claims beside the download when the event names the version, and leaves a final record to answer', async () => {
    const { deps, blobStore, resultStore } = createPipelineFixture();
    await upload(blobStore, 'uploads/named.jpg', await sampleJpeg(), localized);
    const { etag } = await blobStore.head('uploads/named.jpg');
    const calls: string[] = [];
    const get = blobStore.get.bind(blobStore);
    blobStore.get = (key, options) => {
      calls.push(`download ${key}`);
      return get(key, options);
    };
    const lookUp = resultStore.get.bind(resultStore);
    resultStore.get = async (id, options) => {
      const found = await lookUp(id, options);
      calls.push('lookup answered');
      return found;
    };
    const release = resultStore.release.bind(resultStore);
    resultStore.release = async (id, owner, options) => {
      calls.push('release');
      return release(id, owner, options);
    };
    const named = {
      source: { key: 'uploads/named.jpg', etag },
      requestId: 'request-2',
      trigger: 's3' as const,
    };

    const { record } = await runInference(named, deps);
    assert.equal(record.status, 'succeeded');
    assert.equal(
      calls.filter((call) => call === 'lookup answered').length,
      1,
      'one lookup, not one per id source',
    );
    assert.ok(
      calls.indexOf('download uploads/named.jpg') < calls.indexOf('lookup answered'),
      'the download started before the lookup answered',
    );
    assert.equal(calls.includes('release'), false, 'a final record needs no claim given back');

    // Every later delivery is answered by the record before any claim.
    const again = await runInference({ ...named, requestId: 'request-3' }, deps);
    assert.equal(again.reused, true);
    assert.deepEqual(again.record, record);
  });

  it('gives the claim back when the stored record is a retriable failure', async () => {
    const { deps, blobStore, resultStore, models } = createPipelineFixture();
    await upload(blobStore, 'uploads/flaky.jpg', await sampleJpeg(), localized);
    let releases = 0;
    const release = resultStore.release.bind(resultStore);
    resultStore.release = async (id, owner, options) => {
      releases++;
      return release(id, owner, options);
    };
    models.classifierError = new DependencyError('classifier unavailable', {
      code: ServiceErrorCode.dependencyUnavailable,
      retriable: true,
    });
    const failed = await runInference(job('uploads/flaky.jpg'), deps);
    assert.deepEqual([failed.record.status, failed.record.error?.retriable], ['failed', true]);
    assert.equal(releases, 1);

    // The retry is not refused as IN_PROGRESS: it claims, runs and replaces the failure.
    models.classifierError = undefined;
    const retried = await runInference(job('uploads/flaky.jpg'), deps);
    assert.deepEqual([retried.record.status, retried.reused], ['succeeded', false]);
  });

  it('decodes a large photo shrunk for the detector and cuts the crop at full resolution from its bytes', async () => {
    const { deps, blobStore, models } = createPipelineFixture({
      limits: { maxImageBytes: 5_000_000, maxImagePixels: 10_000_000, workingMaxSide: 120 },
    });
    await upload(blobStore, 'uploads/large.jpg', await sampleJpeg(480, 360), localized);
    // In the detector's (shrunk) pixels; the fixture's image is 4 x larger.
    models.detections = [{ box: { x: 20, y: 10, width: 40, height: 30 }, confidence: 0.9, label: 'lesion' }];
    const { record } = await runInference(job('uploads/large.jpg'), deps);

    assert.equal(record.status, 'succeeded');
    assert.deepEqual([models.detectCalls[0]?.width, models.detectCalls[0]?.height], [120, 90]);
    assert.deepEqual(
      [record.image?.width, record.image?.height],
      [480, 360],
      'the record names the photo as sent',
    );
    assert.deepEqual(record.localization?.roi?.box, { x: 80, y: 40, width: 160, height: 120 });
    const padded = record.localization?.roi?.paddedBox;
    assert.ok(padded);
    const stored = blobStore.objects.get(`derived/crops/${record.id}.jpg`);
    assert.ok(stored);
    const { width, height } = await sharp(stored.body).metadata();
    assert.deepEqual([width, height], [padded.width, padded.height], 'the stored crop is at full resolution');
    // The classifier got the region from the decoded pixels: it covers the card's input size.
    const input = models.classifyCalls[0];
    assert.ok(
      input && input.width >= classifierCard.input.width && input.height >= classifierCard.input.height,
    );
    assert.ok(input.width < padded.width, 'and no more');
  });

  it('takes over the claim of a run that died', async () => {
    const { deps, blobStore, resultStore } = createPipelineFixture();
    await upload(blobStore, 'uploads/orphan.jpg', await sampleJpeg(), localized);
    const head = await blobStore.head('uploads/orphan.jpg');
    const id = recordIdFor({ bucket: 'test-bucket', key: 'uploads/orphan.jpg', etag: head.etag });
    assert.equal(await resultStore.claim(id, { owner: 'crashed-run', leaseMs: -1 }), true);
    const { record } = await runInference(job('uploads/orphan.jpg'), deps);
    assert.equal(record.status, 'succeeded');
  });

  it('derives the record id from bucket, decoded key and ETag', async () => {
    const { deps, blobStore } = createPipelineFixture();
    await upload(blobStore, 'uploads/id check.jpg', await sampleJpeg(), localized);
    const { record } = await runInference(job('uploads/id check.jpg'), deps);
    const head = await blobStore.head('uploads/id check.jpg');
    assert.equal(
      record.id,
      recordIdFor({ bucket: 'test-bucket', key: 'uploads/id check.jpg', etag: head.etag }),
    );
  });
});

/** Every request the fixture's recommender receives, as it is sent. */
function watchRecommendations(fixture: PipelineFixture): RecommendationRequest[] {
  const requests: RecommendationRequest[] = [];
  const real = fixture.deps.recommender;
  fixture.deps.recommender = {
    name: 'watching',
    recommend(request, options) {
      requests.push(request);
      return real.recommend(request, options);
    },
  };
  return requests;
}
