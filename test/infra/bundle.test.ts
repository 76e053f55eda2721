/**
 * The Lambda bundle, built by the real script (`scripts/bundle-lambda.ts`, as `npm run
 * bundle:lambda` runs it) into a temporary folder with a routing table of remote models, then
 * read as files and loaded by a fresh `node` outside the repository, where nothing but the
 * bundle's own node_modules can be resolved.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import {
  bundledFileEnvironment,
  excludedPackages,
  lambdaBundleLayout,
  readLambdaBundleManifest,
} from '../../infra/lambda-bundle.js';
import { createRequireBanner, lambdaBuildOptions } from '../../scripts/bundle-lambda.js';
import { analyseBundleImports } from '../../scripts/lambda-bundle/bundle-imports.js';
import { copyRuntimeAssets, RuntimeAssetError } from '../../scripts/lambda-bundle/runtime-assets.js';
import { packageRoot } from '../../src/config.js';
import {
  dicomFile,
  imagePixelElements,
  jpegBaselineDicom,
  rleFrame,
  TransferSyntaxUid,
} from '../support/dicom-files.js';
import { runNode } from '../support/run-node.js';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Strings found only in the JavaScript of the packages the bundle must not contain. */
const excludedCodeSignatures = [
  'onnxruntime_binding', // onnxruntime-node's binding loader
  'registerBackend', // onnxruntime-common's backend registry
  'better_sqlite3.node', // better-sqlite3's addon name
  'setErrorConstructor', // better-sqlite3's database setup
];

const classificationCard = {
  id: 'lesion-classifier',
  version: '3.0.0',
  task: 'classification',
  labels: ['benign', 'malignant'],
  input: { name: 'images', width: 224, height: 224, layout: 'NCHW' },
  output: { name: 'logits', activation: 'logits' },
};
const detectionCard = {
  id: 'lesion-detector',
  version: '2.0.0',
  task: 'detection',
  labels: ['lesion'],
  input: { name: 'images', width: 320, height: 320, layout: 'NCHW', resize: 'letterbox' },
  output: { name: 'output0', format: 'yolov8' },
};
const remoteRoutingTable = `models:
  lesion-detector: { kind: roboflow, project: derm-lesions, version: 2, apiUrl: 'http://127.0.0.1:9', card: cards/lesion-detector.card.json }
  lesion-classifier: { kind: sagemaker, endpoint: derm-lesion-v3, card: cards/lesion-classifier.card.json }
routes:
  - name: any-extent
    detector: lesion-detector
    classifier: lesion-classifier
    prompt: ddx-recommendations
`;

async function writeRoutingTable(directory: string, table: string): Promise<string> {
  await mkdir(join(directory, 'cards'), { recursive: true });
  await writeFile(join(directory, 'cards/lesion-classifier.card.json'), JSON.stringify(classificationCard));
  await writeFile(join(directory, 'cards/lesion-detector.card.json'), JSON.stringify(detectionCard));
  const path = join(directory, 'routes.yaml');
  await writeFile(path, table);
  return path;
}

/** Every `.mjs` file of the bundle, by path relative to it. */
async function javascriptFiles(bundle: string): Promise<Map<string, string>> {
  const chunks = (await readdir(join(bundle, 'chunks'))).filter((name) => name.endsWith('.mjs'));
  const paths = [lambdaBundleLayout.entryFile, ...chunks.map((name) => `chunks/${name}`)];
  return new Map(
    await Promise.all(paths.map(async (path) => [path, await readFile(join(bundle, path), 'utf8')] as const)),
  );
}

/** Specifiers of static `import ... from "x"` / `import "x"` statements in minified ESM. */
function staticImportSpecifiers(code: string): string[] {
  const pattern = /(?:^|[;}\s])import\s*(?:[\w$*{}\s,]+from\s*)?["']([^"']+)["']/g;
  return [...code.matchAll(pattern)].map((match) => match[1] ?? '');
}

describe('the Lambda bundle', () => {
  let workspace: string;
  let bundle: string;
  let scriptOutput: string;

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'ddx-bundle-test-'));
    bundle = join(workspace, 'bundle');
    const routes = await writeRoutingTable(join(workspace, 'routing'), remoteRoutingTable);
    const { stdout } = await runNode(
      ['--import', 'tsx', 'scripts/bundle-lambda.ts', '--out-dir', bundle, '--routes', routes],
      { cwd: repositoryRoot, timeout: 180_000 },
    );
    scriptOutput = stdout;
  });
  after(() => rm(workspace, { recursive: true, force: true }));

  it('reports its size', (t) => {
    for (const line of ['index.mjs:', 'all JavaScript', 'whole folder']) {
      assert.match(scriptOutput, new RegExp(`${line}.* MB`));
    }
    t.diagnostic(scriptOutput.trim());
  });

  it('is ESM whose every file starts with the createRequire banner', async () => {
    const files = await javascriptFiles(bundle);
    assert.ok(files.size > 1, 'the entry and its chunks');
    for (const [path, code] of files) {
      assert.ok(code.startsWith(`${createRequireBanner}\n`), `${path} starts with the banner`);
    }
    assert.match(
      files.get(lambdaBundleLayout.entryFile) ?? '',
      /export\s*\{[^}]*\bas handler\b|export\s*\{[^}]*\bhandler\b/,
    );
  });

  it("contains none of onnxruntime's or better-sqlite3's code, and reaches them only through import()", async () => {
    const files = await javascriptFiles(bundle);
    for (const [path, code] of files) {
      for (const signature of excludedCodeSignatures) {
        assert.ok(!code.includes(signature), `${path} contains ${signature}`);
      }
    }
    for (const name of excludedPackages) {
      assert.ok(!existsSync(join(bundle, 'node_modules', name)), `${name} is not shipped`);
    }
    const { reached, staticExternals } = loadedAtStartUp(files);
    assert.ok(reached.size > 1, 'the entry imports chunks');
    for (const name of excludedPackages) {
      assert.ok(
        ![...staticExternals].some((specifier) => specifier.startsWith(name)),
        `${name} loads at start-up`,
      );
    }
    // They are in the bundle's lazily loaded chunks, where compose.ts's import() reaches them.
    const mentioning = (name: string) =>
      [...files].filter(([, code]) => code.includes(`"${name}"`)).map(([path]) => path);
    for (const name of excludedPackages) {
      const paths = mentioning(name);
      assert.ok(paths.length > 0, `${name} is imported somewhere (the ONNX and SQLite adapters)`);
      for (const path of paths)
        assert.ok(!reached.has(path), `${path} (imports ${name}) is loaded at start-up`);
    }
  });

  it('loads sharp and the notes scrubber when a job first needs them, not with the handler (cold start)', async () => {
    const files = await javascriptFiles(bundle);
    const { reached, staticExternals } = loadedAtStartUp(files);
    assert.ok(
      ![...staticExternals].some((specifier) => specifier.startsWith('sharp')),
      'sharp loads at start-up',
    );
    // The name list is the scrubber's largest part: a word from it marks the chunk.
    const scrubber = [...files].filter(([, code]) => code.includes('abagael abagail'));
    assert.equal(scrubber.length, 1, 'one chunk holds the name list');
    for (const [path] of scrubber)
      assert.ok(!reached.has(path), `${path} (the scrubber) is loaded at start-up`);
  });

  it("ships sharp with its Linux glibc binary for the stack's CPU and no other platform's", async () => {
    const manifest = readLambdaBundleManifest(bundle);
    assert.equal(manifest?.cpu, 'x64');
    assert.equal(manifest?.libc, 'glibc');
    const binaries = await readdir(join(bundle, 'node_modules/@img/sharp-linux-x64/lib'));
    assert.ok(
      binaries.some((name) => /^sharp-linux-x64-.*\.node$/.test(name)),
      binaries.join(', '),
    );
    const libvips = await readdir(join(bundle, 'node_modules/@img/sharp-libvips-linux-x64/lib'));
    assert.ok(
      libvips.some((name) => name.startsWith('libvips-cpp.so')),
      libvips.join(', '),
    );
    const platformPackages = (await readdir(join(bundle, 'node_modules/@img'))).filter(
      (name) => name !== 'colour',
    );
    assert.deepEqual(platformPackages.sort(), ['sharp-libvips-linux-x64', 'sharp-linux-x64']);
    assert.ok(existsSync(join(bundle, 'node_modules/sharp/package.json')));
  });

  it('holds the routing table, model cards, prompts and data at the paths the stack configures', () => {
    for (const path of [
      lambdaBundleLayout.routingTable,
      'models/cards/lesion-classifier.card.json',
      'models/cards/lesion-detector.card.json',
      `${lambdaBundleLayout.promptsDirectory}/ddx-recommendations.json`,
      lambdaBundleLayout.knowledgeBase,
      lambdaBundleLayout.icd10cmTable,
      lambdaBundleLayout.assessmentThresholds,
    ]) {
      assert.ok(existsSync(join(bundle, path)), `${path} is in the bundle`);
    }
  });

  it('loads in a fresh node without AWS credentials, answers an SQS test event, and decodes with sharp', async () => {
    // Outside the repository: only the bundle's own node_modules can be resolved.
    const probe = join(workspace, 'probe.mjs');
    await writeFile(
      probe,
      `import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const entry = pathToFileURL(process.argv[2]);
const { handler } = await import(entry.href);
const message = (messageId, body) => ({ messageId, receiptHandle: 'r', body: JSON.stringify(body), attributes: {},
  messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:uploads', awsRegion: 'eu-west-1' });
const crop = { eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: 'eu-west-1', eventTime: '2026-01-01T00:00:00.000Z',
  eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'ddx-images' }, object: { key: 'derived/crops/x.jpg', size: 10 } } };
const event = { Records: [
  message('m-test', { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-01-01T00:00:00.000Z', Bucket: 'ddx-images' }),
  message('m-crop', { Records: [crop] }),
] };
const context = { awsRequestId: 'req-1', functionName: 'ddx', functionVersion: '$LATEST', memoryLimitInMB: '1536',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:ddx', logGroupName: 'g', logStreamName: 's',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 60000 };
const response = await handler(event, context);
const sharp = createRequire(entry)('sharp');
const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#ff0000' } }).png().toBuffer();
console.log(JSON.stringify({ response, pngBytes: png.length }));
`,
    );
    const { stdout } = await runNode([probe, join(bundle, lambdaBundleLayout.entryFile)], {
      cwd: workspace,
      timeout: 60_000,
      // The stack's variables, with the bundle folder for /var/task; no AWS credentials at all.
      env: {
        PATH: process.env.PATH,
        HOME: workspace,
        AWS_REGION: 'eu-west-1',
        AWS_EC2_METADATA_DISABLED: 'true',
        DDX_BLOB_STORE: 's3',
        DDX_BUCKET: 'ddx-images',
        DDX_RESULT_STORE: 'dynamodb',
        DDX_TABLE: 'ddx-results',
        DDX_INPUT_PREFIX: 'uploads/',
        DDX_DERIVED_PREFIX: 'derived/',
        ...bundledFileEnvironment(bundle),
        DDX_DATA_DIR: join(workspace, 'data'),
        DDX_RECOMMENDER: 'knowledge-base',
        DDX_PROMPT_SOURCE: 'files',
        POWERTOOLS_LOG_LEVEL: 'WARN',
      },
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    assert.deepEqual(result.response, { batchItemFailures: [] });
    assert.ok(result.pngBytes > 0, 'sharp encoded a PNG with the shipped binary');
  });

  describe('DICOM decoding in the bundle', () => {
    /** Shared samples whose codecs (JPEG 2000, JPEG-LS: WebAssembly) run when the folder is there. */
    const samples = resolve(packageRoot, '../shared/data/dicom');
    const codecSamples = ['pydicom__MR_small_jp2klossless.dcm', 'pydicom__MR_small_jpeg_ls_lossless.dcm'];

    it('bundles dicom-parser in a lazily loaded chunk and ships the WebAssembly codecs, loaded only through import()', async () => {
      const files = await javascriptFiles(bundle);
      const dicomChunks = [...files]
        .filter(([, code]) => code.includes('readPart10Header'))
        .map(([path]) => path);
      assert.ok(dicomChunks.length > 0, 'dicom-parser is bundled');
      assert.ok(!dicomChunks.includes(lambdaBundleLayout.entryFile), 'not in the entry');
      for (const name of ['dicom-parser', 'jpeg-lossless-decoder-js']) {
        assert.ok(!existsSync(join(bundle, 'node_modules', name)), `${name} is bundled, not shipped`);
      }
      const manifest = readLambdaBundleManifest(bundle);
      for (const name of ['@cornerstonejs/codec-openjpeg', '@cornerstonejs/codec-charls']) {
        assert.ok(manifest?.nativePackages[name], `${name} is in the manifest`);
        assert.ok(existsSync(join(bundle, 'node_modules', name, 'package.json')), `${name} is shipped`);
      }
      assert.match(
        scriptOutput,
        /loaded only through import\(\): .*@cornerstonejs\/codec-charls.*@cornerstonejs\/codec-openjpeg/,
      );
    });

    it('decodes RLE, JPEG Baseline (and, with the shared samples, JPEG 2000 and JPEG-LS) in a fresh node', async () => {
      // The decoder built exactly as the handler is, inside the bundle folder so it resolves the shipped sharp.
      await build(
        lambdaBuildOptions(
          join(repositoryRoot, 'src/imaging/decode-image.ts'),
          join(bundle, 'decoder-probe'),
        ),
      );
      const inputs = join(workspace, 'dicom');
      await mkdir(inputs, { recursive: true });
      const jpeg = await (await import('sharp'))
        .default({ create: { width: 40, height: 32, channels: 3, background: '#c81e28' } })
        .jpeg()
        .toBuffer();
      await writeFile(join(inputs, 'jpeg.dcm'), jpegBaselineDicom(jpeg, { rows: 32, columns: 40 }));
      await writeFile(
        join(inputs, 'rle.dcm'),
        dicomFile({
          transferSyntax: TransferSyntaxUid.rle,
          elements: imagePixelElements({ rows: 2, columns: 4 }),
          pixelData: { fragments: [rleFrame([0, 1, 2, 3, 4, 5, 6, 7], 1, 2)] },
        }),
      );
      const present = existsSync(samples) ? codecSamples.map((name) => join(samples, name)) : [];
      const probe = join(workspace, 'dicom-probe.mjs');
      await writeFile(
        probe,
        `import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
const { decodeImage } = await import(pathToFileURL(process.argv[2]).href);
const sizes = [];
for (const file of process.argv.slice(3)) {
  const { image, format } = await decodeImage(await readFile(file), { maxPixels: 50e6 });
  sizes.push(format + ' ' + image.width + 'x' + image.height + ' ' + image.pixels.length);
}
console.log(JSON.stringify(sizes));
`,
      );
      const { stdout } = await runNode(
        [
          probe,
          join(bundle, 'decoder-probe', lambdaBundleLayout.entryFile),
          join(inputs, 'jpeg.dcm'),
          join(inputs, 'rle.dcm'),
          ...present,
        ],
        { cwd: workspace, timeout: 60_000, env: { PATH: process.env.PATH, HOME: workspace } },
      );
      const sizes = JSON.parse(stdout.trim().split('\n').pop() ?? '[]');
      assert.deepEqual(sizes, [
        'dicom 40x32 3840',
        'dicom 4x2 24',
        ...present.map(() => 'dicom 64x64 12288'),
      ]);
    });
  });
});

describe('bundle checks', () => {
  it('tells imports that load at start-up from imports behind import()', () => {
    const metafile = {
      inputs: {
        'src/entry/lambda.ts': { bytes: 1, imports: [] },
        'node_modules/@aws-sdk/client-s3/dist-es/index.js': { bytes: 1, imports: [] },
        'node_modules/a/node_modules/@scope/b/index.js': { bytes: 1, imports: [] },
      },
      outputs: {
        'out/index.mjs': {
          bytes: 1,
          inputs: {},
          exports: ['handler'],
          imports: [
            { path: 'out/chunks/shared.mjs', kind: 'import-statement' },
            { path: 'out/chunks/sqlite.mjs', kind: 'dynamic-import' },
            { path: 'node:fs', kind: 'import-statement', external: true },
          ],
        },
        'out/chunks/shared.mjs': {
          bytes: 1,
          inputs: {},
          exports: [],
          imports: [{ path: 'sharp', kind: 'import-statement', external: true }],
        },
        'out/chunks/sqlite.mjs': {
          bytes: 1,
          inputs: {},
          exports: [],
          imports: [
            { path: 'better-sqlite3', kind: 'import-statement', external: true },
            { path: 'out/chunks/shared.mjs', kind: 'import-statement' },
          ],
        },
      },
    } as Metafile;
    const imports = analyseBundleImports(metafile, '/work', '/work/out/index.mjs');
    assert.deepEqual([...imports.staticExternals], ['sharp']);
    assert.deepEqual([...imports.dynamicOnlyExternals], ['better-sqlite3']);
    assert.deepEqual([...imports.bundledPackages].sort(), ['@aws-sdk/client-s3', '@scope/b']);
  });

  it('refuses a routing table with an ONNX model, which the Lambda could not run', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'ddx-bundle-onnx-'));
    try {
      const routes = await writeRoutingTable(
        workspace,
        remoteRoutingTable.replace(
          '{ kind: sagemaker, endpoint: derm-lesion-v3,',
          '{ kind: onnx, path: lesion-classifier.onnx,',
        ),
      );
      await assert.rejects(
        copyRuntimeAssets(
          {
            routingTable: routes,
            promptsDirectory: join(repositoryRoot, 'prompts'),
            knowledgeBase: join(repositoryRoot, 'data/knowledge-base.json'),
            icd10cmTable: join(repositoryRoot, 'data/icd10cm-codes.tsv'),
            assessmentThresholds: join(repositoryRoot, 'models/assessment.json'),
          },
          join(workspace, 'bundle'),
        ),
        (error: unknown) => error instanceof RuntimeAssetError && /ONNX model/.test(error.message),
      );
    } finally {
      await rm(workspace, { recursive: true, force: true });
    }
  });
});

/** Walks the static imports from the entry, as Node loads them when the handler module loads. */
function loadedAtStartUp(files: Map<string, string>): { reached: Set<string>; staticExternals: Set<string> } {
  const reached = new Set<string>();
  const pending: string[] = [lambdaBundleLayout.entryFile];
  const staticExternals = new Set<string>();
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (reached.has(path)) continue;
    reached.add(path);
    for (const specifier of staticImportSpecifiers(files.get(path) ?? '')) {
      if (specifier.startsWith('.')) pending.push(join(dirname(path), specifier));
      else staticExternals.add(specifier);
    }
  }
  return { reached, staticExternals };
}
