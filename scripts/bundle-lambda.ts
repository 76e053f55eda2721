/**
 * Builds the Lambda asset folder that infra/ddx-assist-stack.ts deploys with `Code.fromAsset`:
 *
 * ```
 * dist-lambda/
 *   index.mjs, chunks/*.mjs   the handler, bundled by esbuild (ESM, node22, minified, source maps)
 *   codec-worker.mjs          the worker thread the JPEG 2000 / lossless DICOM codecs decode in
 *   node_modules/             sharp and its Linux glibc binaries for the chosen CPU, nothing else
 *   models/ prompts/ data/    the routing table with its model cards, prompts, knowledge base, ICD-10-CM
 *   ddx-bundle.json           the manifest: CPU, libc, Node major, shipped native packages
 * ```
 *
 * Code splitting keeps every `import()` of compose.ts in its own chunk. Without it, esbuild hoists
 * the static imports of lazily loaded modules (`import Database from 'better-sqlite3'` in the
 * SQLite adapter) to the top of the single output file, and the handler would fail to load for
 * want of a package it never uses. The build fails if onnxruntime-node or better-sqlite3 is
 * bundled or reachable from the entry through static imports.
 *
 * @example
 * node --import tsx scripts/bundle-lambda.ts                       # -> dist-lambda/
 * node --import tsx scripts/bundle-lambda.ts --out-dir /tmp/bundle --routes models/routes.lambda.yaml
 */
import { existsSync } from 'node:fs';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type BuildOptions, build } from 'esbuild';
import {
  defaultLambdaCpu,
  excludedPackages,
  type LambdaBundleManifest,
  type LambdaCpu,
  lambdaBundleLayout,
  lambdaCpus,
  lambdaNodeMajor,
  shippedNativePackages,
} from '../infra/lambda-bundle.js';
import { analyseBundleImports } from './lambda-bundle/bundle-imports.js';
import {
  copyNativePackages,
  type PlatformTarget,
  sharpPlatformPackages,
} from './lambda-bundle/native-packages.js';
import { copyRuntimeAssets } from './lambda-bundle/runtime-assets.js';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * An ESM bundle of the AWS SDK calls `require` for Node built-ins; ESM has no `require`, so
 * without this every chunk fails on import with `Dynamic require of "node:https"`.
 */
export const createRequireBanner =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export interface BundleLambdaOptions {
  outDirectory: string;
  entry: string;
  /** The routing table the Lambda runs with: remote models only (SageMaker, Roboflow). */
  routingTable: string;
  cpu: LambdaCpu;
}

export const defaultBundleOptions: BundleLambdaOptions = {
  outDirectory: join(repositoryRoot, 'dist-lambda'),
  entry: join(repositoryRoot, 'src/entry/lambda.ts'),
  routingTable: join(repositoryRoot, 'models/routes.lambda.yaml'),
  cpu: defaultLambdaCpu,
};

export interface LambdaBundleReport {
  manifest: LambdaBundleManifest;
  sizes: BundleSizes;
  /** External packages that load only behind an `import()`: never when the handler module loads. */
  dynamicOnlyExternals: string[];
}

/** What esbuild and this script write: anything else in the folder means it is not ours to delete. */
const bundleEntries = new Set([
  lambdaBundleLayout.entryFile,
  lambdaBundleLayout.manifestFile,
  'chunks',
  'node_modules',
  'models',
  'prompts',
  'data',
]);
const isBundleOutput = (name: string) =>
  bundleEntries.has(name) || /^(index|codec-worker)\.mjs(\.map|\.LEGAL\.txt)?$/.test(name);

async function clearOutputDirectory(directory: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const foreign = names.filter((name) => !isBundleOutput(name));
  if (foreign.length > 0) {
    throw new Error(
      `refusing to empty ${directory}: it holds files a bundle does not (${foreign.slice(0, 5).join(', ')})`,
    );
  }
  await rm(directory, { recursive: true, force: true });
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  const entries = await readdir(path);
  const sizes = await Promise.all(entries.map((name) => sizeOf(join(path, name))));
  return sizes.reduce((total, size) => total + size, 0);
}

export interface BundleSizes {
  entryBytes: number;
  /** The entry and its chunks: what Node parses, without source maps. */
  javascriptBytes: number;
  totalBytes: number;
}

export async function bundleSizes(directory: string): Promise<BundleSizes> {
  return {
    entryBytes: await sizeOf(join(directory, lambdaBundleLayout.entryFile)),
    javascriptBytes: await javascriptSize(directory),
    totalBytes: await sizeOf(directory),
  };
}

async function javascriptSize(directory: string): Promise<number> {
  const chunks = await readdir(join(directory, 'chunks')).catch(() => []);
  const files = [
    lambdaBundleLayout.entryFile,
    ...chunks.filter((name) => name.endsWith('.mjs')).map((name) => join('chunks', name)),
  ];
  const sizes = await Promise.all(files.map((file) => sizeOf(join(directory, file))));
  return sizes.reduce((total, size) => total + size, 0);
}

/**
 * How a Lambda entry is bundled: exported so that a benchmark's baseline handler is built exactly
 * as the real one is.
 */
export function lambdaBuildOptions(entry: string, outDirectory: string): BuildOptions & { metafile: true } {
  return {
    absWorkingDir: repositoryRoot,
    // The codec worker is a script of its own: a worker thread starts from a file, not a chunk.
    entryPoints: {
      index: resolve(entry),
      'codec-worker': join(repositoryRoot, 'src/imaging/dicom/codec-worker.ts'),
    },
    outdir: outDirectory,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${lambdaNodeMajor}`,
    // The AWS SDK's ES module builds tree-shake better than its CommonJS ones.
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    // Stack traces need the mappings, not the sources: the maps shrink to a fraction.
    sourcesContent: false,
    legalComments: 'external',
    banner: { js: createRequireBanner },
    external: [...excludedPackages, ...shippedNativePackages],
    metafile: true,
    logLevel: 'warning',
  };
}

export async function bundleLambda(options: BundleLambdaOptions): Promise<LambdaBundleReport> {
  const outDirectory = resolve(options.outDirectory);
  if (!existsSync(options.routingTable)) {
    throw new Error(
      `no routing table for the Lambda at ${options.routingTable}: write one whose models are SageMaker endpoints or Roboflow projects, with their model cards beside it (the bundle ships no ONNX runtime), or pass --routes`,
    );
  }
  await clearOutputDirectory(outDirectory);

  const result = await build(lambdaBuildOptions(options.entry, outDirectory));

  const entryOutput = join(outDirectory, lambdaBundleLayout.entryFile);
  const imports = analyseBundleImports(result.metafile, repositoryRoot, entryOutput);
  for (const name of excludedPackages) {
    if (imports.bundledPackages.has(name)) throw new Error(`the bundle contains ${name}'s code`);
    if (imports.staticExternals.has(name)) {
      throw new Error(
        `${name} is imported statically from the handler: it would load (and fail) at start-up`,
      );
    }
  }
  const unshipped = [...imports.staticExternals].filter(
    (name) => !(shippedNativePackages as readonly string[]).includes(name),
  );
  if (unshipped.length > 0)
    throw new Error(`the handler imports packages not shipped: ${unshipped.join(', ')}`);

  const target: PlatformTarget = { os: 'linux', cpu: options.cpu, libc: 'glibc' };
  const nativePackages = await copyNativePackages(
    shippedNativePackages,
    repositoryRoot,
    join(outDirectory, 'node_modules'),
    target,
  );
  const missing = sharpPlatformPackages(target).filter((name) => !(name in nativePackages));
  if (missing.length > 0) {
    throw new Error(
      `sharp's binaries for linux-${options.cpu} are not installed (${missing.join(', ')}): run \`npm install --no-save --os=linux --cpu=${options.cpu} --libc=glibc sharp\` (in CI or a separate checkout: it can replace this machine's own binaries)`,
    );
  }

  await copyRuntimeAssets(
    {
      routingTable: resolve(options.routingTable),
      promptsDirectory: join(repositoryRoot, 'prompts'),
      knowledgeBase: join(repositoryRoot, 'data/knowledge-base.json'),
      icd10cmTable: join(repositoryRoot, 'data/icd10cm-codes.tsv'),
      assessmentThresholds: join(repositoryRoot, 'models/assessment.json'),
    },
    outDirectory,
  );

  // No timestamp: the same sources give the same folder, so CDK's asset hash (and the deployed
  // code) only changes when the code does.
  const manifest: LambdaBundleManifest = {
    cpu: options.cpu,
    libc: 'glibc',
    nodeMajor: lambdaNodeMajor,
    handler: lambdaBundleLayout.handler,
    nativePackages,
  };
  await writeFile(
    join(outDirectory, lambdaBundleLayout.manifestFile),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );

  return {
    manifest,
    sizes: await bundleSizes(outDirectory),
    dynamicOnlyExternals: [...imports.dynamicOnlyExternals].sort(),
  };
}

export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'out-dir': { type: 'string' },
      entry: { type: 'string' },
      routes: { type: 'string' },
      cpu: { type: 'string' },
    },
  });
  const cpu = values.cpu ?? defaultBundleOptions.cpu;
  if (!(lambdaCpus as readonly string[]).includes(cpu)) {
    throw new Error(`--cpu must be one of ${lambdaCpus.join(', ')}`);
  }
  const options: BundleLambdaOptions = {
    outDirectory: values['out-dir'] ?? defaultBundleOptions.outDirectory,
    entry: values.entry ?? defaultBundleOptions.entry,
    routingTable: values.routes ?? defaultBundleOptions.routingTable,
    cpu: cpu as LambdaCpu,
  };
  const report = await bundleLambda(options);
  const absolute = resolve(options.outDirectory);
  const shown = relative(process.cwd(), absolute);
  const where = shown === '' ? '.' : shown.startsWith('..') ? absolute : shown;
  console.log(
    `Lambda bundle in ${where} (linux-${report.manifest.cpu}, glibc, Node ${report.manifest.nodeMajor})`,
  );
  console.log(`  ${lambdaBundleLayout.entryFile}: ${megabytes(report.sizes.entryBytes)}`);
  console.log(`  all JavaScript (entry + chunks): ${megabytes(report.sizes.javascriptBytes)}`);
  console.log(`  whole folder (Lambda limit 250 MB unzipped): ${megabytes(report.sizes.totalBytes)}`);
  console.log(`  loaded only through import(): ${report.dynamicOnlyExternals.join(', ') || 'none'}`);
  console.log(
    `  native packages: ${Object.entries(report.manifest.nativePackages)
      .map(([name, version]) => `${name}@${version}`)
      .join(', ')}`,
  );
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(resolve(invokedPath)).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`bundle-lambda: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
