/**
 * Every case of the bad-input corpus through the real pipeline on the embedded adapters (local
 * folder, SQLite, the ONNX models in models/, the bundled prompts and knowledge base): each ends
 * in its documented outcome and in exactly one stored record, or in a documented skip, drop or
 * refusal. Nothing crashes, nothing is lost, and docs/bad-input.md says exactly this.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp, { type Metadata } from 'sharp';
import { type ComposedDependencies, composeDependencies } from '../../src/compose.js';
import { type Config, loadConfig, packageRoot } from '../../src/config.js';
import type { InferenceRecord } from '../../src/record.js';
import { corpus, prepareUploads } from './corpus.js';
import type { CorpusCase, RecordExpectation } from './corpus-case.js';
import { corpusTableRow, parseDocsTable, renderTable } from './docs-table.js';
import { type ObservedOutcome, runCorpusCase } from './run-corpus-case.js';

describe('the bad-input corpus on the embedded adapters', () => {
  let dataDir: string;
  let config: Config;
  let deps: ComposedDependencies;
  /** Every record id a case returned: at the end, the store must hold exactly these. */
  const recordIds = new Set<string>();
  const unhandledRejections: unknown[] = [];
  const onUnhandledRejection = (reason: unknown) => unhandledRejections.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandledRejection);
    dataDir = await mkdtemp(join(tmpdir(), 'ddx-bad-input-'));
    config = loadConfig({ DDX_DATA_DIR: dataDir, DDX_LOG_LEVEL: 'silent' });
    deps = await composeDependencies(config);
  });

  after(async () => {
    process.off('unhandledRejection', onUnhandledRejection);
    await deps?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('has at least 40 cases with unique kebab-case ids and one-line descriptions', () => {
    assert.ok(corpus.length >= 40, `${corpus.length} cases`);
    const ids = corpus.map((testCase) => testCase.id);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    for (const testCase of corpus) {
      assert.match(testCase.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(testCase.id.startsWith(`${testCase.category}-`), `${testCase.id} starts with its category`);
      assert.match(testCase.description, /^[^|\n`]+$/, `${testCase.id}: one line, no "|" or backtick`);
    }
  });

  it('is documented in docs/bad-input.md, row for row', async () => {
    const documented = parseDocsTable(await readFile(join(packageRoot, 'docs/bad-input.md'), 'utf8'));
    const expected = corpus.map(corpusTableRow);
    assert.deepEqual(
      documented,
      expected,
      `docs/bad-input.md is out of date; the table should read:\n\n${renderTable(expected)}\n`,
    );
  });

  it('generates the images its cases describe (a plain JPEG would pass them for nothing)', async () => {
    for (const [id, isWhatItSays] of Object.entries(generatedImageChecks)) {
      const testCase = corpus.find((candidate) => candidate.id === id);
      assert.ok(testCase, `${id} is in the corpus`);
      const [upload] = await prepareUploads(testCase, { inputPrefix: config.inputPrefix });
      assert.ok(upload && isWhatItSays(await sharp(upload.image).metadata()), `${id} is what it says`);
    }
  });

  for (const testCase of corpus) {
    it(`${testCase.id}: ${testCase.description}`, async () => {
      const observed = await runCorpusCase(testCase, {
        deps,
        inputPrefix: config.inputPrefix,
        stagingDir: join(dataDir, 'staging'),
      });
      assertOutcome(testCase, observed);
      for (const record of observed.records) {
        await assertStoredAsReturned(record);
        await assertCropCarriesNoMetadata(record);
        recordIds.add(record.id);
      }
    });
  }

  it('stored exactly one record per object run: nothing lost, nothing extra, no unhandled rejection', async () => {
    const stored = await deps.resultStore.list({ limit: 10_000 });
    assert.deepEqual(stored.map((record) => record.id).sort(), [...recordIds].sort());
    assert.deepEqual(unhandledRejections, []);
  });

  async function assertStoredAsReturned(record: InferenceRecord): Promise<void> {
    // Compared as JSON, the form records are stored in: an undefined field is simply absent.
    const returned: unknown = JSON.parse(JSON.stringify(record));
    assert.deepEqual(
      await deps.resultStore.get(record.id),
      returned,
      'the stored record is the one returned',
    );
  }

  /** Crops are re-encoded from pixels: EXIF (GPS, camera serials) never reaches the derived prefix. */
  async function assertCropCarriesNoMetadata(record: InferenceRecord): Promise<void> {
    const cropKey = record.localization?.cropKey;
    if (!cropKey) return;
    const crop = await deps.blobStore.get(cropKey, { maxBytes: config.limits.maxImageBytes });
    const header = await sharp(crop).metadata();
    assert.equal(header.exif, undefined, 'a crop has no EXIF');
    assert.equal(header.xmp, undefined, 'a crop has no XMP');
  }
});

/** EXIF tag 0x8825 (little-endian, as sharp writes it): the pointer to the GPS directory. */
const gpsDirectoryTag = Buffer.from([0x25, 0x88]);

const generatedImageChecks: Record<string, (header: Metadata) => boolean> = {
  'image-cmyk-jpeg': (header) => header.space === 'cmyk' && header.channels === 4,
  'image-16-bit-png': (header) => header.depth === 'ushort',
  'image-grayscale-jpeg': (header) => header.space === 'b-w' && header.channels === 1,
  'image-alpha-png': (header) => header.hasAlpha,
  'image-palette-png': (header) => header.isPalette,
  'image-display-p3': (header) => header.hasProfile,
  'image-exif-rotated': (header) => header.orientation === 6,
  'image-exif-mirrored': (header) => header.orientation === 5,
  'image-exif-gps': (header) => header.exif?.includes(gpsDirectoryTag) === true,
  'image-progressive-jpeg': (header) => header.isProgressive,
  'image-jpeg-2647-scans': (header) => header.isProgressive === true && header.width === 1200,
  'image-animated-gif': (header) => header.pages === 3,
  'image-animated-webp': (header) => header.pages === 3,
  'image-multi-page-tiff': (header) => header.pages === 3,
};

function assertOutcome(testCase: CorpusCase, observed: ObservedOutcome): void {
  if (testCase.category !== 'event') {
    assert.equal(observed.records.length, 1);
    assertRecord(observed.records[0], testCase.expected, observed.keys[0]);
    return;
  }
  const { rejected, records = [], retried = [], skipped = [] } = testCase.expected;
  assert.deepEqual(
    observed.rejected && { code: observed.rejected.code, step: observed.rejected.step },
    rejected,
    `rejected: ${observed.rejected?.message}`,
  );
  assert.equal(observed.records.length, records.length, 'one record per object named');
  for (const [index, expected] of records.entries()) assertRecord(observed.records[index], expected);
  assert.deepEqual(observed.retried, retried);
  assert.deepEqual(observed.skipped, skipped);
  // Every uploaded object the event named ends in a record: none is silently left behind.
  for (const key of observed.keys) {
    assert.ok(
      observed.records.some((record) => record.source.key === key),
      'every uploaded object has a record',
    );
  }
}

function assertRecord(
  record: InferenceRecord | undefined,
  expected: RecordExpectation,
  key?: string,
): asserts record {
  assert.ok(record, 'a record was returned');
  if (key !== undefined) assert.equal(record.source.key, key);
  if (expected.status === 'failed') {
    assert.deepEqual(
      {
        status: record.status,
        code: record.error?.code,
        step: record.error?.step,
        retriable: record.error?.retriable,
      },
      { status: expected.status, code: expected.code, step: expected.step, retriable: expected.retriable },
      `error: ${record.error?.message}`,
    );
    // A clear error: one line a clinician or operator can act on.
    assert.match(record.error?.message ?? '', /^[^\n]{10,}$/);
    return;
  }
  assert.equal(record.status, expected.status, `error: ${record.error?.message}`);
  assert.ok(record.classification && record.classification.labels.length > 0, 'the image was classified');
  if (expected.route) assert.equal(record.route?.name, expected.route);
  if (expected.image) {
    const { format, width, height } = record.image ?? {};
    assert.deepEqual({ format, width, height }, expected.image);
  }
}
