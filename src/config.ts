/**
 * The one validated configuration, read from environment variables (the same ones drive the CLI,
 * the server and the Lambda). Every variable is documented in the README's configuration table.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import { logLevels } from './observability/logger.js';

/** The package root: one level above `src/` (when run from source) or `dist/` (when built). */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const number = (fallback: number) => z.coerce.number().positive().default(fallback);
const prefix = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => (value === '' || value.endsWith('/') ? value : `${value}/`));

const environmentSchema = z.object({
  DDX_DATA_DIR: z.string().min(1).default('.ddx'),
  DDX_BLOB_STORE: z.enum(['fs']).default('fs'),
  DDX_BLOB_DIR: z.string().min(1).optional(),
  DDX_RESULT_STORE: z.enum(['sqlite']).default('sqlite'),
  DDX_SQLITE_PATH: z.string().min(1).optional(),
  DDX_ROUTES: z.string().min(1).default(resolve(packageRoot, 'models/routes.yaml')),
  DDX_PROMPT_SOURCE: z.enum(['files']).default('files'),
  DDX_PROMPTS_DIR: z.string().min(1).default(resolve(packageRoot, 'prompts')),
  DDX_RECOMMENDER: z.enum(['knowledge-base']).default('knowledge-base'),
  DDX_KNOWLEDGE_BASE: z.string().min(1).default(resolve(packageRoot, 'data/knowledge-base.json')),
  DDX_ICD10CM_TABLE: z.string().min(1).default(resolve(packageRoot, 'data/icd10cm-codes.tsv')),
  DDX_INPUT_PREFIX: prefix('uploads/'),
  DDX_DERIVED_PREFIX: prefix('derived/'),
  DDX_MAX_IMAGE_BYTES: number(30 * 1024 * 1024),
  DDX_MAX_IMAGE_PIXELS: number(50_000_000),
  DDX_CROP_PADDING: z.coerce.number().min(0).max(2).default(0.15),
  DDX_JOB_TIMEOUT_MS: number(120_000),
  DDX_LOG_LEVEL: z.enum(logLevels).default('info'),
});

export interface Config {
  blobStore: { kind: 'fs'; root: string };
  resultStore: { kind: 'sqlite'; path: string };
  routesPath: string;
  promptSource: { kind: 'files'; directory: string };
  recommender: { kind: 'knowledge-base' };
  knowledgeBasePath: string;
  icd10cmTablePath: string;
  inputPrefix: string;
  derivedPrefix: string;
  limits: { maxImageBytes: number; maxImagePixels: number };
  cropPadding: number;
  jobTimeoutMs: number;
  logLevel: (typeof logLevels)[number];
}

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const relevant = Object.fromEntries(
    Object.entries(environment).filter(([name, value]) => name.startsWith('DDX_') && value !== ''),
  );
  const parsed = environmentSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigurationError(`invalid configuration:\n${z.prettifyError(parsed.error)}`);
  }
  const env = parsed.data;
  const dataDir = resolve(env.DDX_DATA_DIR);
  return {
    blobStore: { kind: env.DDX_BLOB_STORE, root: resolve(env.DDX_BLOB_DIR ?? resolve(dataDir, 'blobs')) },
    resultStore: {
      kind: env.DDX_RESULT_STORE,
      path: resolve(env.DDX_SQLITE_PATH ?? resolve(dataDir, 'results.db')),
    },
    routesPath: resolve(env.DDX_ROUTES),
    promptSource: { kind: env.DDX_PROMPT_SOURCE, directory: resolve(env.DDX_PROMPTS_DIR) },
    recommender: { kind: env.DDX_RECOMMENDER },
    knowledgeBasePath: resolve(env.DDX_KNOWLEDGE_BASE),
    icd10cmTablePath: resolve(env.DDX_ICD10CM_TABLE),
    inputPrefix: env.DDX_INPUT_PREFIX,
    derivedPrefix: env.DDX_DERIVED_PREFIX,
    limits: { maxImageBytes: env.DDX_MAX_IMAGE_BYTES, maxImagePixels: env.DDX_MAX_IMAGE_PIXELS },
    cropPadding: env.DDX_CROP_PADDING,
    jobTimeoutMs: env.DDX_JOB_TIMEOUT_MS,
    logLevel: env.DDX_LOG_LEVEL,
  };
}
