/**
 * End to end through the real `ddx` binary on the embedded defaults: the bundled samples, the
 * stored records, and every kind of bad input the issue lists.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { access, copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createLocalFolderBlobStore } from '../../src/adapters/blob-store/local-folder.js';
import { packageRoot } from '../../src/config.js';
import type { InferenceRecord } from '../../src/record.js';
import {
  type CliResult,
  createDataDir,
  runCli,
  runCliInTerminal,
  runCliIntoClosedPipe,
  terminalRunner,
} from '../support/cli.js';
import { jpegBaselineDicom } from '../support/dicom-files.js';
import { startS3rver } from '../support/s3rver.js';
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
    const blobs = createLocalFolderBlobStore({ root: join(dataDir, 'blobs') });
    const crop = await sharp(await blobs.get(cropKey, { maxBytes: 10_000_000 })).metadata();
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
    assert.match(result.stdout, /\d+ image\(s\): \d+ succeeded/);
  });

  it('exits 2 with one line for an unknown command and 2 for a missing file', async () => {
    const unknown = await runCli(['fly'], environment);
    assert.deepEqual([unknown.code, unknown.stderr], [2, 'ddx: unknown command "fly"; see ddx help\n']);
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

describe('ddx CLI usage: help, versions, mistakes and pipes', () => {
  let environment: Record<string, string>;
  before(async () => {
    environment = { DDX_DATA_DIR: await createDataDir() };
  });

  const oneLine = (result: CliResult) => {
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /ERR_PARSE_ARGS|TypeError|\n\s+at /);
  };

  it('prints its version with --version and -V', async () => {
    const { version } = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag], environment);
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, `ddx ${version}\n`, '']);
    }
  });

  it('prints a command’s own usage, options and defaults with `help <command>` and `<command> --help`', async () => {
    const helpBatch = await runCli(['help', 'batch'], environment);
    const batchHelp = await runCli(['batch', '--help'], environment);
    const overview = await runCli(['help'], environment);
    assert.equal(helpBatch.code, 0);
    assert.equal(batchHelp.stdout, helpBatch.stdout);
    assert.notEqual(helpBatch.stdout, overview.stdout);
    assert.match(helpBatch.stdout, /^Usage: ddx batch <folder> \[options\]/);
    assert.match(helpBatch.stdout, /--concurrency <N> +images processed at once \(default: 2\)/);
    const list = await runCli(['results', 'list', '--help'], environment);
    assert.match(list.stdout, /--limit <N> .*\(default: 50\)/s);
    assert.match((await runCli(['serve', '-h'], environment)).stdout, /--max-jobs <N>.*\(default: 4\)/s);
  });

  it('names an unknown command or option in one line, with a suggestion, and exits 2', async () => {
    const command = await runCli(['rn', localizedSample], environment);
    assert.equal(command.code, 2);
    oneLine(command);
    assert.match(command.stderr, /^ddx: unknown command "rn" \(did you mean "run"\?\)/);
    const option = await runCli(['batch', samples, '--concurency', '2'], environment);
    assert.equal(option.code, 2);
    oneLine(option);
    assert.match(option.stderr, /unknown option --concurency for batch \(did you mean --concurrency\?\)/);
    const value = await runCli(['results', 'list', '--limit', 'many'], environment);
    assert.equal(value.code, 2);
    oneLine(value);
  });

  it('exits 2 with a clear line for a folder or a model that is not there', async () => {
    const result = await runCli(['batch', '/nonexistent'], environment);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'ddx: cannot read folder /nonexistent: no such file or directory (ENOENT)\n');
    const model = await runCli(['models', 'check', '/nonexistent.onnx'], environment);
    assert.equal(model.code, 2);
    assert.equal(
      model.stderr,
      'ddx: cannot read model /nonexistent.onnx: no such file or directory (ENOENT)\n',
    );
  });

  it('ends quietly when the reader closes the pipe (`ddx results list | head -1`)', async () => {
    for (const args of [['results', 'list'], ['help'], ['results', 'list', '--json']]) {
      const result = await runCliIntoClosedPipe(args, environment);
      assert.deepEqual([result.code, result.stderr], [0, ''], args.join(' '));
    }
  });

  it('says when a list was cut at its limit', async () => {
    for (const sample of [localizedSample, widespreadSample]) {
      assert.equal((await runCli(['run', sample], environment)).code, 0);
    }
    const cut = await runCli(['results', 'list', '--limit', '1'], environment);
    assert.equal(cut.code, 0);
    assert.equal(cut.stdout.trimEnd().split('\n').length, 3, 'header, rule, one record');
    assert.match(
      cut.stderr,
      /^ddx: showing the newest 1 records; more are stored \(--limit N shows more\)\n$/,
    );
    const whole = await runCli(['results', 'list', '--limit', '2'], environment);
    assert.equal(whole.stderr, '');
  });
});

describe('ddx batch on a folder of links, DICOM files and files without extensions', () => {
  let folder: string;
  let environment: Record<string, string>;
  before(async () => {
    environment = { DDX_DATA_DIR: await createDataDir() };
    folder = await createDataDir();
    const targets = await createDataDir();
    const jpeg = await readFile(localizedSample);
    const meta = await readFile(`${localizedSample}.meta.json`);
    await copyFile(localizedSample, join(targets, 'melanoma.jpg'));
    await copyFile(`${localizedSample}.meta.json`, join(targets, 'melanoma.jpg.meta.json'));
    await symlink(join(targets, 'melanoma.jpg'), join(folder, 'linked-melanoma.jpg'));
    await symlink(join(targets, 'melanoma.jpg.meta.json'), join(folder, 'linked-melanoma.jpg.meta.json'));
    await mkdir(join(folder, 'series'));
    await writeFile(join(folder, 'series', 'IM0001'), jpegBaselineDicom(jpeg, { rows: 540, columns: 720 }));
    await writeFile(join(folder, 'series', 'IM0001.meta.json'), meta);
    await copyFile(widespreadSample, join(folder, 'rash-photo'));
    await copyFile(`${widespreadSample}.meta.json`, join(folder, 'rash-photo.meta.json'));
    await writeFile(join(folder, 'notes.txt'), 'Photos from the Tuesday clinic.\n');
    await writeFile(join(folder, '.DS_Store'), 'x');
  });

  it('follows links, knows images by their bytes, lists what it skipped and ends with a table', async () => {
    const result = await runCli(['batch', folder], environment);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.match(result.stdout, /^skipped +why\n/);
    assert.ok(lines.some((line) => /^\.DS_Store +hidden$/.test(line)));
    assert.ok(
      lines.some((line) => /^notes\.txt +not an image: neither its content nor its name says so$/.test(line)),
    );
    const header = lines.find((line) => line.startsWith('file'));
    assert.match(header ?? '', /^file +record +status +verdict +top label +ms$/);
    for (const [file, label] of [
      ['linked-melanoma.jpg', 'melanoma'],
      ['series/IM0001', 'melanoma'],
      ['rash-photo', 'plaque-psoriasis'],
    ]) {
      const row = lines.find((line) => line.startsWith(`${file} `));
      assert.match(
        row ?? '',
        new RegExp(
          `^${file} +rec_[0-9a-f]{32} +succeeded +(confident|uncertain) +${label} (\\d+%|>99%) +\\d+$`,
        ),
        file,
      );
    }
    assert.match(result.stdout, /\n3 image\(s\): 3 succeeded\n$/);
  });

  it('reports records, files not run and skipped files with --json', async () => {
    const result = await runCli(['batch', folder, '--json'], environment);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      records: InferenceRecord[];
      notRun: unknown[];
      skipped: { file: string; reason: string }[];
    };
    assert.equal(report.records.length, 3);
    assert.ok(report.records.some((record) => record.image?.format === 'dicom'));
    assert.deepEqual(report.notRun, []);
    assert.deepEqual(
      report.skipped.map((skipped) => skipped.file),
      ['.DS_Store', 'notes.txt'],
    );
  });

  it('fits its table in an 80-column terminal', async (t) => {
    if (!(await terminalRunner())) {
      t.skip('`script` (util-linux) is not installed: no terminal to run in');
      return;
    }
    const result = await runCliInTerminal(['batch', folder], environment, 80);
    assert.equal(result.code, 0, result.stdout);
    const lines = result.stdout.split(/\r\n|\r|\n/);
    const rows = lines.filter((line) => /rec_[0-9a-f]{32}/.test(line));
    assert.equal(rows.length, 3, result.stdout);
    for (const line of lines) assert.ok(line.length <= 80, `${line.length} columns: ${line}`);
  });

  it('exits 2 and says so when a folder holds no images', async () => {
    const empty = await createDataDir();
    await writeFile(join(empty, 'notes.txt'), 'nothing here\n');
    const result = await runCli(['batch', empty], environment);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `ddx: no images in ${empty} (1 skipped)\n`);
  });
});

describe('ddx run: a changed sidecar is a new upload, same-named files never collide', () => {
  let environment: Record<string, string>;
  let folder: string;
  before(async () => {
    environment = { DDX_DATA_DIR: await createDataDir() };
    folder = await createDataDir();
  });

  it('analyses again once a broken sidecar is fixed, instead of showing the old failure', async () => {
    const image = join(folder, 'mole.jpg');
    await copyFile(localizedSample, image);
    await writeFile(`${image}.meta.json`, '{"extent": "localized", "age": ');
    const broken = await runCli(['run', image, '--json'], environment);
    assert.equal(broken.code, 2);
    const failed = JSON.parse(broken.stdout) as InferenceRecord;
    assert.equal(failed.error?.code, 'INVALID_METADATA');

    await copyFile(`${localizedSample}.meta.json`, `${image}.meta.json`);
    const fixed = await runCli(['run', image], environment);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, /^rec_[0-9a-f]{32} {2}SUCCEEDED\n/);
    assert.doesNotMatch(fixed.stdout, /already processed/);
    assert.ok(!fixed.stdout.startsWith(failed.id));
    const again = await runCli(['run', image], environment);
    assert.match(again.stdout, /already processed/, 'the same image and metadata are the same upload');
  });

  it('analyses again after a sidecar changes, with S3 as the blob store too (s3rver)', async () => {
    const s3 = await startS3rver();
    try {
      const onS3 = {
        ...environment,
        HOME: environment.DDX_DATA_DIR ?? '',
        DDX_BLOB_STORE: 's3',
        DDX_BUCKET: s3.bucket,
        DDX_S3_FORCE_PATH_STYLE: 'true',
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      };
      const image = join(folder, 'on-s3.jpg');
      await copyFile(localizedSample, image);
      await writeFile(`${image}.meta.json`, JSON.stringify({ extent: 'widespread', bodySite: 'back' }));
      const first = await runCli(['run', image, '--json'], onS3);
      assert.equal(first.code, 0, first.stderr);
      assert.equal((JSON.parse(first.stdout) as InferenceRecord).route?.name, 'widespread-rash');
      // The clinic corrects the extent. S3's ETag is the image's alone: only an upload key that
      // covers the metadata makes this a new upload rather than the stored record again.
      await copyFile(`${localizedSample}.meta.json`, `${image}.meta.json`);
      const corrected = await runCli(['run', image], onS3);
      assert.equal(corrected.code, 0, corrected.stderr);
      assert.doesNotMatch(corrected.stdout, /already processed/);
      assert.match(corrected.stdout, /route +localized-lesion/);
    } finally {
      await s3.close();
    }
  });

  it('keeps two photo.jpg files from different folders apart', async () => {
    const uploads: InferenceRecord[] = [];
    for (const [name, sample] of [
      ['left', localizedSample],
      ['right', widespreadSample],
    ] as const) {
      await mkdir(join(folder, name));
      const image = join(folder, name, 'photo.jpg');
      await copyFile(sample, image);
      await copyFile(`${sample}.meta.json`, `${image}.meta.json`);
      const result = await runCli(['run', image, '--json'], environment);
      assert.equal(result.code, 0, result.stderr);
      uploads.push(JSON.parse(result.stdout) as InferenceRecord);
    }
    const [left, right] = uploads;
    assert.ok(left && right);
    assert.notEqual(left.source.key, right.source.key);
    assert.ok(left.source.key.endsWith('/photo.jpg') && right.source.key.endsWith('/photo.jpg'));
    const stored = JSON.parse(
      (await runCli(['results', 'get', left.id, '--json'], environment)).stdout,
    ) as InferenceRecord;
    assert.equal(stored.classification?.labels[0]?.label, 'melanoma');
    assert.equal(right.classification?.labels[0]?.label, 'plaque-psoriasis');
    const blobs = createLocalFolderBlobStore({ root: join(environment.DDX_DATA_DIR ?? '', 'blobs') });
    const blob = Buffer.from(await blobs.get(left.source.key, { maxBytes: 10_000_000 }));
    assert.deepEqual(blob, await readFile(localizedSample), 'the first upload was not overwritten');
  });
});

describe('ddx with remote models: configuration errors, the AWS SDK notice, the serve-models recipe', () => {
  it('reports a missing AWS region as INVALID_CONFIGURATION, without the SDK’s Node-version notice', async () => {
    const dataDir = await createDataDir();
    const result = await runCli(['run', localizedSample, '--json'], {
      DDX_DATA_DIR: dataDir,
      HOME: dataDir,
      DDX_ROUTES: join(packageRoot, 'models', 'routes.lambda.yaml'),
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^ddx: INVALID_CONFIGURATION in configure: .*no AWS region is set/);
    assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
    assert.doesNotMatch(
      result.stderr,
      /NodeVersionSupportWarning|NodeDeprecationWarning|AWS SDK for JavaScript/,
    );
    const record = JSON.parse(result.stdout) as InferenceRecord;
    assert.deepEqual([record.error?.code, record.error?.retriable], ['INVALID_CONFIGURATION', false]);
  });

  it('runs the docs/deployment.md recipe as written: the deployed table against ddx serve-models', async () => {
    const [serverBlock, clientBlock] = await recipeBlocks('serve-models');
    assert.ok(serverBlock && clientBlock, 'docs/deployment.md has the two blocks of the recipe');
    const port = String(await freePort());
    const onPort = (block: string) => block.replaceAll('8080', port);
    const dataDir = await createDataDir();
    const environment = { PATH: process.env.PATH ?? '', HOME: dataDir, DDX_DATA_DIR: dataDir };
    const server = spawn('bash', ['-c', onPort(serverBlock)], {
      cwd: packageRoot,
      env: environment,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await serverListening(server);
      const client = await runShell(onPort(clientBlock), environment);
      assert.equal(client.code, 0, client.stderr);
      assert.match(client.stdout, /^rec_[0-9a-f]{32} {2}SUCCEEDED\n/);
      assert.match(client.stdout, /ROI +lesion \d+\.\d% at .*\(lesion-detector 1\.0\.0\)/);
      assert.match(
        client.stdout,
        /findings +lesion-classifier 1\.0\.0 on the crop\n(?: +[!c].*\n)* +melanoma /,
      );
      assert.equal(client.stderr, '');
    } finally {
      if (server.pid !== undefined) process.kill(-server.pid, 'SIGTERM');
    }
  });
});

/** The shell blocks between `<!-- recipe: NAME` and `<!-- end of recipe -->` in docs/deployment.md. */
async function recipeBlocks(name: string): Promise<string[]> {
  const page = await readFile(join(packageRoot, 'docs', 'deployment.md'), 'utf8');
  const start = page.indexOf(`<!-- recipe: ${name}`);
  const end = page.indexOf('<!-- end of recipe -->', start);
  assert.ok(start !== -1 && end !== -1, `docs/deployment.md has the ${name} recipe`);
  return [...page.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once the server prints where it listens; rejects if it exits first. */
function serverListening(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    server.once('exit', (code) => reject(new Error(`serve-models exited with ${code}: ${stderr}`)));
    server.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/ddx: serving .* on http:\/\//.test(stderr)) resolve();
    });
  });
}

function runShell(script: string, environment: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', script],
      { cwd: packageRoot, env: environment, timeout: 180_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
