/**
 * End to end through the real `ddx` binary on the embedded defaults: the bundled samples, the
 * stored records, and every kind of bad input the issue lists.
 */
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { packageRoot } from '../../src/config.js';
import type { InferenceRecord } from '../../src/record.js';
import { createDataDir, runCli } from '../support/cli.js';
import { pngHeaderChunk, pngSignature } from '../support/unit-helpers.js';

const samples = join(packageRoot, 'samples');
const localizedSample = join(samples, 'localized-melanoma-back.jpg');
const widespreadSample = join(samples, 'widespread-psoriasis-trunk.jpg');

describe('ddx CLI on the embedded defaults', () => {
  let dataDir: string;
  let environment: Record<string, string>;
  before(async () => {
    dataDir = await createDataDir();
    environment = { DDX_DATA_DIR: dataDir };
  });

  it('finds a lesion on a localized sample, saves the crop and classifies it', async () => {
    const result = await runCli(
      ['run', localizedSample, '--meta', `${localizedSample}.meta.json`, '--json'],
      environment,
    );
    assert.equal(result.code, 0, result.stderr);
    const record = JSON.parse(result.stdout) as InferenceRecord;
    assert.equal(record.status, 'succeeded');
    assert.equal(record.route?.name, 'localized-lesion');
    assert.ok(record.localization?.roi, 'a region of interest was found');
    assert.equal(record.classification?.input, 'crop');
    assert.equal(record.classification?.labels[0]?.label, 'melanoma');
    const cropKey = record.localization.cropKey;
    assert.ok(typeof cropKey === 'string');
    assert.ok(cropKey.startsWith('derived/crops/'));
    const crop = await sharp(join(dataDir, 'blobs', cropKey)).metadata();
    assert.deepEqual(
      [crop.width, crop.height],
      [record.localization.roi.paddedBox.width, record.localization.roi.paddedBox.height],
    );
    assert.ok((record.billing?.suggestions.length ?? 0) > 0);
    assert.ok((record.recommendation?.differentials.length ?? 0) > 0);

    const stored = await runCli(['results', 'get', record.id, '--json'], environment);
    assert.equal(stored.code, 0);
    assert.equal(stored.stdout, result.stdout, 'results get returns exactly what run printed');
  });

  it('classifies the whole image on a widespread sample', async () => {
    const result = await runCli(
      ['run', widespreadSample, '--meta', `${widespreadSample}.meta.json`, '--json'],
      environment,
    );
    assert.equal(result.code, 0, result.stderr);
    const record = JSON.parse(result.stdout) as InferenceRecord;
    assert.equal(record.status, 'succeeded');
    assert.equal(record.route?.name, 'widespread-rash');
    assert.equal(record.localization, null);
    assert.equal(record.classification?.input, 'whole-image');
    assert.equal(record.classification?.labels[0]?.label, 'plaque-psoriasis');
  });

  it('prints a readable summary and answers a repeated run from the stored record', async () => {
    const first = await runCli(
      ['run', localizedSample, '--meta', `${localizedSample}.meta.json`],
      environment,
    );
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /already processed/);
    for (const section of [
      'route',
      'ROI',
      'findings',
      'Differential diagnoses',
      'Follow-up tests',
      'Red flags',
      'ICD-10-CM',
      'Timings',
    ]) {
      assert.ok(first.stdout.includes(section), `summary shows ${section}`);
    }
  });

  it('lists stored records newest first and filters by status', async () => {
    const all = await runCli(['results', 'list', '--json'], environment);
    assert.equal(all.code, 0);
    const records = JSON.parse(all.stdout) as InferenceRecord[];
    assert.ok(records.length >= 2);
    const times = records.map((record) => record.createdAt);
    assert.deepEqual(times, [...times].sort().reverse());
    const failed = JSON.parse(
      (await runCli(['results', 'list', '--status', 'failed', '--json'], environment)).stdout,
    ) as InferenceRecord[];
    assert.ok(failed.every((record) => record.status === 'failed'));
    const usage = await runCli(['results', 'list', '--status', 'weird'], environment);
    assert.equal(usage.code, 2);
  });

  it('processes a folder with ddx batch and prints a summary table', async () => {
    const result = await runCli(['batch', samples, '--concurrency', '2'], environment);
    assert.equal(result.code, 0, result.stderr);
    const sampleFiles = (await import('node:fs/promises')).readdir(samples);
    for (const file of (await sampleFiles).filter((name) => name.endsWith('.jpg'))) {
      assert.ok(result.stdout.includes(file), `${file} in the table`);
    }
    assert.match(result.stdout, /\d+ file\(s\): \d+ succeeded/);
  });

  it('exits 2 with usage for an unknown command and 2 for a missing file', async () => {
    assert.equal((await runCli(['fly'], environment)).code, 2);
    const missing = await runCli(['run', join(dataDir, 'nope.jpg')], environment);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read image/);
  });
});

describe('ddx CLI on bad input', () => {
  let dataDir: string;
  let folder: string;
  before(async () => {
    dataDir = await createDataDir();
    folder = await createDataDir();
  });

  const badInputs: {
    name: string;
    file: string;
    bytes: () => Promise<Buffer>;
    meta?: string;
    env?: Record<string, string>;
    code: string;
    step: string;
    message: RegExp;
  }[] = [
    {
      name: 'a truncated JPEG',
      file: 'truncated.jpg',
      bytes: async () => {
        const whole = await readFile(localizedSample);
        return whole.subarray(0, Math.floor(whole.length / 2));
      },
      code: 'CORRUPT_IMAGE',
      step: 'fetch-image',
      message: /truncated or corrupt/,
    },
    {
      name: 'a zero-byte file',
      file: 'empty.jpg',
      bytes: async () => Buffer.alloc(0),
      code: 'EMPTY_OBJECT',
      step: 'fetch-image',
      message: /empty/,
    },
    {
      name: 'a text file named .jpg',
      file: 'notes.jpg',
      bytes: async () => Buffer.from('Patient photo to follow.\n'),
      code: 'UNSUPPORTED_FORMAT',
      step: 'fetch-image',
      message: /unsupported image format: unknown/,
    },
    {
      name: 'a decompression bomb (PNG header claiming 20000 x 20000)',
      file: 'bomb.png',
      bytes: async () => Buffer.concat([pngSignature, pngHeaderChunk(20_000, 20_000)]),
      code: 'IMAGE_TOO_LARGE',
      step: 'fetch-image',
      message: /20000 x 20000/,
    },
    {
      name: 'an image over the size limit',
      file: 'oversize.jpg',
      bytes: () => readFile(localizedSample),
      env: { DDX_MAX_IMAGE_BYTES: '4096' },
      code: 'OBJECT_TOO_LARGE',
      step: 'fetch-image',
      message: /over the limit of 4096/,
    },
    {
      name: 'an unsupported format (HEIC)',
      file: 'phone.heic',
      bytes: async () =>
        Buffer.concat([
          Buffer.from([0, 0, 0, 0x18]),
          Buffer.from('ftypheic\0\0\0\0mif1heic'),
          Buffer.alloc(64),
        ]),
      code: 'UNSUPPORTED_FORMAT',
      step: 'fetch-image',
      message: /unsupported image format: HEIC/,
    },
    {
      name: 'malformed metadata',
      file: 'malformed-meta.jpg',
      bytes: () => readFile(localizedSample),
      meta: '{"extent": "localized", "age": ',
      code: 'INVALID_METADATA',
      step: 'load-context',
      message: /not valid JSON/,
    },
    {
      name: 'wrongly typed metadata',
      file: 'typed-meta.jpg',
      bytes: () => readFile(localizedSample),
      meta: JSON.stringify({ extent: 'localized', age: 'fifty', bodySite: 42 }),
      code: 'INVALID_METADATA',
      step: 'load-context',
      message: /ageYears.*bodySite|bodySite.*ageYears/,
    },
    {
      name: 'an unknown extent',
      file: 'extent-meta.jpg',
      bytes: () => readFile(localizedSample),
      meta: JSON.stringify({ extent: 'everywhere-ish' }),
      code: 'INVALID_METADATA',
      step: 'load-context',
      message: /extent/,
    },
  ];

  for (const bad of badInputs) {
    it(`fails ${bad.name} with a one-line error and a failed ${bad.code} record`, async () => {
      const path = join(folder, bad.file);
      await writeFile(path, await bad.bytes());
      const args = ['run', path, '--json'];
      if (bad.meta !== undefined) {
        await writeFile(`${path}.meta.json`, bad.meta);
        args.push('--meta', `${path}.meta.json`);
      }
      const result = await runCli(args, { DDX_DATA_DIR: dataDir, ...bad.env });
      assert.equal(result.code, 2, result.stderr);
      const errorLines = result.stderr.trim().split('\n');
      assert.equal(errorLines.length, 1, result.stderr);
      assert.match(errorLines[0] ?? '', new RegExp(`^ddx: ${bad.code} in ${bad.step}: `));
      assert.match(errorLines[0] ?? '', bad.message);
      const record = JSON.parse(result.stdout) as InferenceRecord;
      assert.deepEqual(
        [record.status, record.error?.code, record.error?.step, record.error?.retriable],
        ['failed', bad.code, bad.step, false],
      );
      const stored = await runCli(['results', 'get', record.id, '--json'], { DDX_DATA_DIR: dataDir });
      assert.deepEqual(JSON.parse(stored.stdout), record);
    });
  }
});

describe('ddx CLI on the real photos in ../shared/data', () => {
  const shared = join(packageRoot, '..', 'shared', 'data', 'derm');
  it('runs every real skin photo through ddx run without a crash', async (t) => {
    if (
      !(await access(shared).then(
        () => true,
        () => false,
      ))
    ) {
      t.skip('../shared/data is not present (a user clone has no shared folder)');
      return;
    }
    const dataDir = await createDataDir();
    const { readdir } = await import('node:fs/promises');
    const files = (await readdir(shared, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile() && /\.(jpe?g|png|gif)$/i.test(entry.name))
      .map((entry) => join(entry.parentPath, entry.name));
    assert.ok(files.length >= 20);
    const queue = [...files];
    const worker = async () => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        const result = await runCli(['run', file, '--json'], { DDX_DATA_DIR: dataDir });
        assert.equal(result.code, 0, `${file}: ${result.stderr}`);
        const record = JSON.parse(result.stdout) as InferenceRecord;
        assert.ok(record.status === 'succeeded', `${file}: ${record.status}`);
        assert.ok(record.classification?.labels.length, file);
      }
    };
    await Promise.all([worker(), worker()]);
  });
});
