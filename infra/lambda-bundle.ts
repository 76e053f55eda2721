/**
 * The contract between the Lambda bundle (built by scripts/bundle-lambda.ts) and the stack that
 * deploys it (infra/ddx-assist-stack.ts): where things sit in the bundle folder, which CPU its
 * native code is built for, and the manifest that records both. Both sides import this file, so
 * the handler name, the asset paths in the function's environment and the architecture cannot
 * drift apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const lambdaCpus = ['x64', 'arm64'] as const;
export type LambdaCpu = (typeof lambdaCpus)[number];

/**
 * x86_64 by default, not arm64: `npm ci` on an x64 Linux machine (CI, this one) installs sharp's
 * x64 glibc binary, so the bundle can ship that binary and a test can load it where it was built.
 * arm64 costs about 20% less per GB-second: to use it, add the arm64 binary
 * (`npm install --no-save --os=linux --cpu=arm64 --libc=glibc sharp`, in CI or a separate checkout
 * since it can replace the local binaries), bundle with `--cpu arm64` and deploy with
 * `-c lambdaCpu=arm64`; the stack refuses a bundle built for the other CPU.
 */
export const defaultLambdaCpu: LambdaCpu = 'x64';

/** The Lambda runtime is nodejs22.x (DEPENDENCIES.md): esbuild targets the same Node major. */
export const lambdaNodeMajor = 22;

/** Paths inside the bundle folder, which Lambda unpacks to `/var/task`. */
export const lambdaBundleLayout = {
  entryFile: 'index.mjs',
  /** `<file without extension>.<export>` */
  handler: 'index.handler',
  manifestFile: 'ddx-bundle.json',
  routingTable: 'models/routes.yaml',
  promptsDirectory: 'prompts',
  knowledgeBase: 'data/knowledge-base.json',
  icd10cmTable: 'data/icd10cm-codes.tsv',
  assessmentThresholds: 'models/assessment.json',
} as const;

/** Where Lambda puts the bundle folder's contents (`LAMBDA_TASK_ROOT`). */
export const lambdaTaskRoot = '/var/task';

/**
 * The configuration variables (config.ts) that point at the bundled files, for a bundle unpacked
 * at `root`. They must be set: config.ts derives its defaults from the module's own location, and
 * in a bundle that is not the package root.
 */
export function bundledFileEnvironment(root: string): Record<string, string> {
  const at = (bundlePath: string) => `${root}/${bundlePath}`;
  return {
    DDX_ROUTES: at(lambdaBundleLayout.routingTable),
    DDX_PROMPTS_DIR: at(lambdaBundleLayout.promptsDirectory),
    DDX_KNOWLEDGE_BASE: at(lambdaBundleLayout.knowledgeBase),
    DDX_ICD10CM_TABLE: at(lambdaBundleLayout.icd10cmTable),
    DDX_ASSESSMENT: at(lambdaBundleLayout.assessmentThresholds),
  };
}

/**
 * Packages that must never be in the bundle nor loaded when it starts: the Lambda runs remote
 * models and DynamoDB, and onnxruntime-node alone (288 MB) is over Lambda's 250 MB limit.
 */
export const excludedPackages = ['onnxruntime-node', 'better-sqlite3'] as const;

/**
 * Packages left out of the JavaScript and shipped beside it as `node_modules/`: sharp (native
 * binaries), and the DICOM JPEG 2000 and JPEG-LS codecs, Emscripten builds that find themselves
 * through `__dirname`, which an ESM bundle does not have. Both codecs load only behind `import()`.
 */
export const shippedNativePackages = [
  'sharp',
  '@cornerstonejs/codec-openjpeg',
  '@cornerstonejs/codec-charls',
] as const;

export const lambdaBundleManifestSchema = z.object({
  cpu: z.enum(lambdaCpus),
  libc: z.literal('glibc'),
  nodeMajor: z.literal(lambdaNodeMajor),
  handler: z.string().min(1),
  /** The native packages shipped, with their versions (sharp and its platform binaries). */
  nativePackages: z.record(z.string(), z.string()),
});

export type LambdaBundleManifest = z.infer<typeof lambdaBundleManifestSchema>;

/** The manifest of a bundle folder, or undefined when the folder has none (a test's stand-in). */
export function readLambdaBundleManifest(bundleDirectory: string): LambdaBundleManifest | undefined {
  let text: string;
  try {
    text = readFileSync(join(bundleDirectory, lambdaBundleLayout.manifestFile), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return lambdaBundleManifestSchema.parse(JSON.parse(text));
}
