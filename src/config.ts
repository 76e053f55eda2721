/**
 * The one validated configuration, read from environment variables (the same ones drive the CLI,
 * the server and the Lambda). This is the only module that reads the environment: everything else
 * is handed its values (compose.ts, the entry points). Every variable is documented in the
 * configuration table of docs/configuration.md. Where an ecosystem already names a setting (AWS_REGION,
 * OPENAI_BASE_URL, LANGFUSE_*, ROBOFLOW_*), that name is used; DDX_* names are ours. (The AWS
 * SDK still reads its own AWS_* credentials and endpoints.)
 *
 * @example
 * const config = loadConfig(); // process.env
 * const deps = await composeDependencies(config);
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import { type DeliveryPolicy, defaultDeliveryPolicy } from './events/event-delivery.js';
import { parseWebhookSecret } from './events/webhook-signature.js';
import { type DecodeBudget, defaultDecodeBudget } from './imaging/decode-budget.js';
import type { LinkSettings } from './outputs/record-links.js';
import { logLevels } from './ports.js';
import { defaultRetryPolicy, type RetryPolicy } from './resilience/retry.js';
import { resolveSecretArns, type SecretReader } from './secrets-from-arns.js';
import { isTlsOrLoopbackUrl, plainHttpRefused } from './transport-security.js';

/** The package root: one level above `src/` (when run from source) or `dist/` (when built). */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const positive = (fallback: number) => z.coerce.number().positive().default(fallback);
const wholePositive = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const prefix = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => (value === '' || value.endsWith('/') ? value : `${value}/`));
const text = z.string().min(1);
// harden-records (issue 9 item 6): prompts, findings and traces leave the machine under TLS only.
const tlsOrLoopbackUrl = z.url().refine(isTlsOrLoopbackUrl, plainHttpRefused);

const environmentSchema = z.object({
  DDX_DATA_DIR: text.default('.ddx'),
  DDX_BLOB_STORE: z.enum(['fs', 's3']).default('fs'),
  DDX_BLOB_DIR: text.optional(),
  DDX_BUCKET: text.optional(),
  DDX_S3_FORCE_PATH_STYLE: z.stringbool().default(false),
  DDX_RESULT_STORE: z.enum(['sqlite', 'dynamodb']).default('sqlite'),
  DDX_SQLITE_PATH: text.optional(),
  DDX_TABLE: text.optional(),
  DDX_ROUTES: text.default(resolve(packageRoot, 'models/routes.yaml')),
  DDX_PROMPT_SOURCE: z.enum(['files', 'langfuse']).default('files'),
  DDX_PROMPTS_DIR: text.default(resolve(packageRoot, 'prompts')),
  DDX_PROMPT_LABEL: text.default('production'),
  DDX_PROMPT_VERSION: z.coerce.number().int().positive().optional(),
  DDX_PROMPT_CACHE_TTL_SECONDS: z.coerce.number().int().nonnegative().default(60),
  DDX_PROMPT_FETCH_TIMEOUT_MS: wholePositive(3000),
  LANGFUSE_BASE_URL: tlsOrLoopbackUrl.default('https://cloud.langfuse.com'),
  LANGFUSE_PUBLIC_KEY: text.optional(),
  LANGFUSE_SECRET_KEY: text.optional(),
  DDX_LANGFUSE_TRACING: z.stringbool().default(false),
  DDX_RECOMMENDER: z.enum(['knowledge-base', 'openai', 'bedrock']).default('knowledge-base'),
  DDX_LLM_MODEL: text.optional(),
  DDX_LLM_TIMEOUT_MS: wholePositive(30_000),
  DDX_LLM_ATTEMPTS: wholePositive(3),
  OPENAI_BASE_URL: tlsOrLoopbackUrl.optional(),
  OPENAI_API_KEY: text.optional(),
  AWS_REGION: text.optional(),
  ROBOFLOW_API_URL: text.optional(),
  ROBOFLOW_API_KEY: text.optional(),
  DDX_KNOWLEDGE_BASE: text.default(resolve(packageRoot, 'data/knowledge-base.json')),
  DDX_ICD10CM_TABLE: text.default(resolve(packageRoot, 'data/icd10cm-codes.tsv')),
  DDX_CPT_MAPPING: text.optional(),
  DDX_INPUT_PREFIX: prefix('uploads/'),
  DDX_DERIVED_PREFIX: prefix('derived/'),
  DDX_MAX_IMAGE_BYTES: positive(30 * 1024 * 1024),
  DDX_MAX_IMAGE_PIXELS: positive(50_000_000),
  DDX_MIN_IMAGE_SIDE: wholePositive(32),
  DDX_DICOM_MODALITIES: z
    .string()
    .default('XC,DMS,GM,OT')
    .transform((value) =>
      value
        .split(',')
        .map((modality) => modality.trim().toUpperCase())
        .filter(Boolean),
    ),
  DDX_CROP_PADDING: z.coerce.number().min(0).max(2).default(0.15),
  DDX_JOB_TIMEOUT_MS: positive(120_000),
  DDX_MIN_STEP_TIME_MS: z.coerce.number().int().nonnegative().default(500),
  DDX_CALL_TIMEOUT_MS: wholePositive(10_000),
  DDX_CALL_ATTEMPTS: wholePositive(3),
  DDX_LOG_LEVEL: z.enum(logLevels).optional(),
  DDX_CONCURRENCY: wholePositive(4),
  DDX_DEADLINE_MARGIN_MS: z.coerce.number().int().nonnegative().default(5000),
  DDX_PUBLIC_URL: z.url().default('http://127.0.0.1:8000'),
  DDX_MODEL_CARD_BASE_URL: z.url().optional(),
  DDX_PATIENT_ID_SYSTEM: text.optional(),
  DDX_EVENT_SOURCE: text.default('/ddx-assist'),
  DDX_WEBHOOK_URL: z.url().optional(),
  DDX_WEBHOOK_SECRET: text.optional(),
  DDX_EVENTBRIDGE_BUS: text.optional(),
  DDX_DICOM_SR_ARCHIVE: z.stringbool().default(true),
  DDX_EVENT_MAX_ATTEMPTS: wholePositive(defaultDeliveryPolicy.maxAttempts),
  DDX_EVENT_RETRY_DELAY_MS: z.coerce.number().int().nonnegative().default(defaultDeliveryPolicy.retryDelayMs),
  DDX_EVENT_DELIVERY_TIMEOUT_MS: wholePositive(defaultDeliveryPolicy.timeoutMs),
  DDX_FHIR_BASE_URL: z.url().optional(),
  DDX_FHIR_BEARER_TOKEN: text.optional(),
  DDX_FHIR_CLIENT_ID: text.optional(),
  DDX_FHIR_PRIVATE_KEY: text.optional(),
  DDX_FHIR_KEY_ID: text.optional(),
  DDX_FHIR_SIGNING_ALG: z.enum(['RS384', 'ES384']).default('RS384'),
  DDX_FHIR_TOKEN_URL: z.url().optional(),
  DDX_FHIR_SCOPE: text.default(
    'system/DiagnosticReport.write system/Observation.write system/Device.write system/Media.write',
  ),
  // The assessment (issue 10): its stored thresholds, fitted by scripts/assessment/fit-assessment.ts.
  DDX_ASSESSMENT: text.default(resolve(packageRoot, 'models/assessment.json')),
  // web (issue 12, 9.4): `ddx serve`'s Host allow-list, body deadline, sessions and OIDC
  DDX_ALLOWED_HOSTS: z.string().optional(),
  DDX_BODY_TIMEOUT_MS: wholePositive(30_000),
  DDX_SESSION_SECRET: z.string().min(32).optional(),
  DDX_SESSION_TTL_SECONDS: wholePositive(8 * 3600),
  DDX_SECURE_COOKIES: z.stringbool().default(false),
  DDX_OIDC_ISSUER: z.url().optional(),
  DDX_OIDC_AUDIENCE: text.optional(),
  DDX_OIDC_ROLE_CLAIM: text.default('ddx_role'),
  DDX_OIDC_JWKS_URL: z.url().optional(),
  // harden-inputs (issue 9): the decode budget (src/imaging/decode-budget.ts).
  DDX_DECODE_TIMEOUT_MS: wholePositive(defaultDecodeBudget.timeoutMs),
  DDX_DECODE_MEMORY_MB: wholePositive(defaultDecodeBudget.memoryMb),
  DDX_MAX_JPEG_SCANS: wholePositive(defaultDecodeBudget.maxJpegScans),
  // harden-inputs (issue 9): the LLM reply size cap (src/adapters/shared/llm/reply-limits.ts).
  DDX_LLM_MAX_REPLY_BYTES: wholePositive(1024 * 1024),
});

type Environment = z.infer<typeof environmentSchema>;

/** Every variable read here, for the docs test that checks docs/configuration.md names each one. */
export const environmentVariables: readonly string[] = Object.keys(environmentSchema.shape);

export type PromptSourceConfig =
  | { kind: 'files'; directory: string }
  | {
      kind: 'langfuse';
      baseUrl: string;
      publicKey: string;
      secretKey: string;
      label: string;
      version: number | undefined;
      cacheTtlSeconds: number;
      fetchTimeoutMs: number;
      /** The bundled prompts, served when Langfuse cannot be reached. */
      fallbackDirectory: string;
    };

export type RecommenderConfig =
  | { kind: 'knowledge-base' }
  | {
      kind: 'openai';
      baseURL: string | undefined;
      apiKey: string | undefined;
      model: string;
      policy: RetryPolicy;
      /** The LLM reply size cap (`DDX_LLM_MAX_REPLY_BYTES`). */
      maxReplyBytes: number;
    }
  | {
      kind: 'bedrock';
      modelId: string;
      region: string | undefined;
      policy: RetryPolicy;
      maxReplyBytes: number;
    };

export type BlobStoreConfig =
  | { kind: 'fs'; root: string }
  | { kind: 's3'; bucket: string; region: string | undefined; forcePathStyle: boolean };

export type ResultStoreConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'dynamodb'; table: string; region: string | undefined };

export type FhirAuthConfig =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | {
      kind: 'smart-backend';
      clientId: string;
      privateKey: string;
      keyId: string;
      algorithm: 'RS384' | 'ES384';
      tokenUrl: string | undefined;
      scope: string;
    };

/** Where record events go, and how hard delivery tries (docs/events.md). */
export interface EventsConfig {
  /** The CloudEvents `source` of every event. */
  source: string;
  webhook: { url: string; secret: string } | null;
  eventBridge: { busName: string; region: string | undefined } | null;
  /** Push each stored or reviewed record to a FHIR server as a transaction. */
  fhirPush: { baseUrl: string; auth: FhirAuthConfig } | null;
  /** Keep the DICOM SR of DICOM inputs under `<derived>sr/`. */
  dicomSrArchive: boolean;
  delivery: DeliveryPolicy;
}

/** `ddx serve` and the web Lambda (src/web/). */
export interface WebConfig {
  /** Host names answered besides localhost and the bound address. */
  allowedHosts: string[];
  /** Time for a request body to arrive, before a job slot is taken. */
  bodyTimeoutMs: number;
  /** Signs session cookies; a random one per process when unset (sessions end on restart). */
  sessionSecret: string | undefined;
  sessionTtlSeconds: number;
  secureCookies: boolean;
  oidc: { issuer: string; audience: string; roleClaim: string; jwksUrl: string | undefined } | null;
}

export interface Config {
  blobStore: BlobStoreConfig;
  resultStore: ResultStoreConfig;
  routesPath: string;
  promptSource: PromptSourceConfig;
  recommender: RecommenderConfig;
  /** Langfuse tracing of LLM generations, when enabled. */
  tracing: { kind: 'langfuse'; baseUrl: string; publicKey: string; secretKey: string } | null;
  knowledgeBasePath: string;
  /** The assessment's thresholds file (models/assessment.json). */
  assessmentPath: string;
  icd10cmTablePath: string;
  /** A user-supplied CPT mapping: CPT descriptors are AMA-licensed, so none ship with the project. */
  cptMappingPath: string | undefined;
  inputPrefix: string;
  derivedPrefix: string;
  limits: {
    maxImageBytes: number;
    maxImagePixels: number;
    minImageSide: number;
    dicomModalities: string[];
    decodeBudget: DecodeBudget;
  };
  cropPadding: number;
  jobTimeoutMs: number;
  /** A step that would start with less time than this left ends the job retriably instead. */
  minStepTimeMs: number;
  /** Timeout and attempts of each call to a store or a remote model (the LLM has its own). */
  callPolicy: RetryPolicy;
  /**
   * Roboflow's API when a routing-table entry names none (`ROBOFLOW_API_URL`), and its key
   * (`ROBOFLOW_API_KEY`, '' when unset; also the key `ddx serve-models` asks of its callers).
   */
  roboflow: { apiUrl: string | undefined; apiKey: string };
  /** The Lambda handler's own settings: objects of one event run at once, and the time kept back to store records. */
  lambda: { concurrency: number; deadlineMarginMs: number };
  /** Links in events and outputs (`<publicUrl>/v1/records/<id>/fhir`), and the FHIR patient identifier system. */
  outputs: { links: LinkSettings; patientIdSystem: string | undefined };
  events: EventsConfig;
  web: WebConfig;
  logLevel: (typeof logLevels)[number];
  /** True when DDX_LOG_LEVEL was set (in Lambda, POWERTOOLS_LOG_LEVEL rules otherwise). */
  logLevelConfigured: boolean;
}

const ecosystemNames = /^(DDX|LANGFUSE|OPENAI|AWS|ROBOFLOW)_/;

/**
 * The configuration from `environment` (the process's by default). `defaults` apply to variables
 * the environment leaves unset (the CLI's quieter log level).
 */
export function loadConfig(
  environment: NodeJS.ProcessEnv = process.env,
  defaults: Record<string, string> = {},
): Config {
  const relevant = Object.fromEntries(
    Object.entries({ ...defaults, ...environment }).filter(
      ([name, value]) => ecosystemNames.test(name) && value !== '',
    ),
  );
  const parsed = environmentSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigurationError(`invalid configuration:\n${z.prettifyError(parsed.error)}`);
  }
  const env = parsed.data;
  const dataDir = resolve(env.DDX_DATA_DIR);
  return {
    blobStore: blobStoreConfig(env, dataDir),
    resultStore: resultStoreConfig(env, dataDir),
    routesPath: resolve(env.DDX_ROUTES),
    promptSource: promptSourceConfig(env),
    recommender: recommenderConfig(env),
    tracing: env.DDX_LANGFUSE_TRACING
      ? {
          kind: 'langfuse',
          baseUrl: env.LANGFUSE_BASE_URL,
          publicKey: required(env.LANGFUSE_PUBLIC_KEY, 'LANGFUSE_PUBLIC_KEY', 'DDX_LANGFUSE_TRACING=true'),
          secretKey: required(env.LANGFUSE_SECRET_KEY, 'LANGFUSE_SECRET_KEY', 'DDX_LANGFUSE_TRACING=true'),
        }
      : null,
    knowledgeBasePath: resolve(env.DDX_KNOWLEDGE_BASE),
    assessmentPath: resolve(env.DDX_ASSESSMENT),
    icd10cmTablePath: resolve(env.DDX_ICD10CM_TABLE),
    cptMappingPath: env.DDX_CPT_MAPPING ? resolve(env.DDX_CPT_MAPPING) : undefined,
    inputPrefix: env.DDX_INPUT_PREFIX,
    derivedPrefix: env.DDX_DERIVED_PREFIX,
    limits: {
      maxImageBytes: env.DDX_MAX_IMAGE_BYTES,
      maxImagePixels: env.DDX_MAX_IMAGE_PIXELS,
      minImageSide: env.DDX_MIN_IMAGE_SIDE,
      dicomModalities: env.DDX_DICOM_MODALITIES,
      decodeBudget: {
        timeoutMs: env.DDX_DECODE_TIMEOUT_MS,
        memoryMb: env.DDX_DECODE_MEMORY_MB,
        maxJpegScans: env.DDX_MAX_JPEG_SCANS,
      },
    },
    cropPadding: env.DDX_CROP_PADDING,
    jobTimeoutMs: env.DDX_JOB_TIMEOUT_MS,
    minStepTimeMs: env.DDX_MIN_STEP_TIME_MS,
    callPolicy: {
      attempts: env.DDX_CALL_ATTEMPTS,
      timeoutMs: env.DDX_CALL_TIMEOUT_MS,
      baseDelayMs: defaultRetryPolicy.baseDelayMs,
      maxDelayMs: defaultRetryPolicy.maxDelayMs,
    },
    roboflow: { apiUrl: env.ROBOFLOW_API_URL, apiKey: env.ROBOFLOW_API_KEY ?? '' },
    lambda: { concurrency: env.DDX_CONCURRENCY, deadlineMarginMs: env.DDX_DEADLINE_MARGIN_MS },
    outputs: {
      links: { apiBaseUrl: env.DDX_PUBLIC_URL, modelCardBaseUrl: env.DDX_MODEL_CARD_BASE_URL },
      patientIdSystem: env.DDX_PATIENT_ID_SYSTEM,
    },
    events: eventsConfig(env),
    web: webConfig(env),
    logLevel: env.DDX_LOG_LEVEL ?? 'info',
    logLevelConfigured: env.DDX_LOG_LEVEL !== undefined,
  };
}

/**
 * In Lambda: each `<NAME>_SECRET_ARN` resolved from Secrets Manager into `<NAME>` first
 * (secrets-from-arns.ts), then the configuration.
 */
export async function loadConfigWithSecrets(
  environment: NodeJS.ProcessEnv = process.env,
  secrets?: SecretReader,
): Promise<Config> {
  await resolveSecretArns(environment, secrets);
  return loadConfig(environment);
}

function webConfig(env: Environment): WebConfig {
  return {
    allowedHosts: (env.DDX_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
    bodyTimeoutMs: env.DDX_BODY_TIMEOUT_MS,
    sessionSecret: env.DDX_SESSION_SECRET,
    sessionTtlSeconds: env.DDX_SESSION_TTL_SECONDS,
    secureCookies: env.DDX_SECURE_COOKIES,
    oidc: env.DDX_OIDC_ISSUER
      ? {
          issuer: env.DDX_OIDC_ISSUER,
          audience: required(env.DDX_OIDC_AUDIENCE, 'DDX_OIDC_AUDIENCE', 'DDX_OIDC_ISSUER'),
          roleClaim: env.DDX_OIDC_ROLE_CLAIM,
          jwksUrl: env.DDX_OIDC_JWKS_URL,
        }
      : null,
  };
}

function blobStoreConfig(env: Environment, dataDir: string): BlobStoreConfig {
  switch (env.DDX_BLOB_STORE) {
    case 'fs':
      return { kind: 'fs', root: resolve(env.DDX_BLOB_DIR ?? resolve(dataDir, 'blobs')) };
    case 's3':
      return {
        kind: 's3',
        bucket: required(env.DDX_BUCKET, 'DDX_BUCKET', 'DDX_BLOB_STORE=s3'),
        region: env.AWS_REGION,
        forcePathStyle: env.DDX_S3_FORCE_PATH_STYLE,
      };
  }
}

function resultStoreConfig(env: Environment, dataDir: string): ResultStoreConfig {
  switch (env.DDX_RESULT_STORE) {
    case 'sqlite':
      return { kind: 'sqlite', path: resolve(env.DDX_SQLITE_PATH ?? resolve(dataDir, 'results.db')) };
    case 'dynamodb':
      return {
        kind: 'dynamodb',
        table: required(env.DDX_TABLE, 'DDX_TABLE', 'DDX_RESULT_STORE=dynamodb'),
        region: env.AWS_REGION,
      };
  }
}

function promptSourceConfig(env: Environment): PromptSourceConfig {
  const directory = resolve(env.DDX_PROMPTS_DIR);
  switch (env.DDX_PROMPT_SOURCE) {
    case 'files':
      return { kind: 'files', directory };
    case 'langfuse':
      return {
        kind: 'langfuse',
        baseUrl: env.LANGFUSE_BASE_URL,
        publicKey: required(env.LANGFUSE_PUBLIC_KEY, 'LANGFUSE_PUBLIC_KEY', 'DDX_PROMPT_SOURCE=langfuse'),
        secretKey: required(env.LANGFUSE_SECRET_KEY, 'LANGFUSE_SECRET_KEY', 'DDX_PROMPT_SOURCE=langfuse'),
        label: env.DDX_PROMPT_LABEL,
        version: env.DDX_PROMPT_VERSION,
        cacheTtlSeconds: env.DDX_PROMPT_CACHE_TTL_SECONDS,
        fetchTimeoutMs: env.DDX_PROMPT_FETCH_TIMEOUT_MS,
        fallbackDirectory: directory,
      };
  }
}

function recommenderConfig(env: Environment): RecommenderConfig {
  const policy: RetryPolicy = {
    attempts: env.DDX_LLM_ATTEMPTS,
    timeoutMs: env.DDX_LLM_TIMEOUT_MS,
    baseDelayMs: 500,
    maxDelayMs: 8_000,
  };
  switch (env.DDX_RECOMMENDER) {
    case 'knowledge-base':
      return { kind: 'knowledge-base' };
    case 'openai':
      return {
        kind: 'openai',
        baseURL: env.OPENAI_BASE_URL,
        apiKey: env.OPENAI_API_KEY,
        model: required(env.DDX_LLM_MODEL, 'DDX_LLM_MODEL', 'DDX_RECOMMENDER=openai'),
        policy,
        maxReplyBytes: env.DDX_LLM_MAX_REPLY_BYTES,
      };
    case 'bedrock':
      return {
        kind: 'bedrock',
        modelId: required(env.DDX_LLM_MODEL, 'DDX_LLM_MODEL', 'DDX_RECOMMENDER=bedrock'),
        region: env.AWS_REGION,
        policy,
        maxReplyBytes: env.DDX_LLM_MAX_REPLY_BYTES,
      };
  }
}

function eventsConfig(env: Environment): EventsConfig {
  return {
    source: env.DDX_EVENT_SOURCE,
    webhook: env.DDX_WEBHOOK_URL ? { url: env.DDX_WEBHOOK_URL, secret: webhookSecret(env) } : null,
    eventBridge: env.DDX_EVENTBRIDGE_BUS
      ? { busName: env.DDX_EVENTBRIDGE_BUS, region: env.AWS_REGION }
      : null,
    fhirPush: env.DDX_FHIR_BASE_URL ? { baseUrl: env.DDX_FHIR_BASE_URL, auth: fhirAuthConfig(env) } : null,
    dicomSrArchive: env.DDX_DICOM_SR_ARCHIVE,
    delivery: {
      maxAttempts: env.DDX_EVENT_MAX_ATTEMPTS,
      retryDelayMs: env.DDX_EVENT_RETRY_DELAY_MS,
      timeoutMs: env.DDX_EVENT_DELIVERY_TIMEOUT_MS,
    },
  };
}

function webhookSecret(env: Environment): string {
  const secret = required(env.DDX_WEBHOOK_SECRET, 'DDX_WEBHOOK_SECRET', 'DDX_WEBHOOK_URL');
  try {
    parseWebhookSecret(secret);
  } catch (error) {
    throw new ConfigurationError(`invalid configuration: DDX_WEBHOOK_SECRET: ${(error as Error).message}`);
  }
  return secret;
}

/** A bearer token, or SMART backend services when a client id is given; neither for an open test server. */
function fhirAuthConfig(env: Environment): FhirAuthConfig {
  if (env.DDX_FHIR_BEARER_TOKEN && env.DDX_FHIR_CLIENT_ID) {
    throw new ConfigurationError(
      'invalid configuration: set DDX_FHIR_BEARER_TOKEN or DDX_FHIR_CLIENT_ID (SMART backend services), not both',
    );
  }
  if (env.DDX_FHIR_BEARER_TOKEN) return { kind: 'bearer', token: env.DDX_FHIR_BEARER_TOKEN };
  if (!env.DDX_FHIR_CLIENT_ID) return { kind: 'none' };
  const because = 'DDX_FHIR_CLIENT_ID';
  return {
    kind: 'smart-backend',
    clientId: env.DDX_FHIR_CLIENT_ID,
    privateKey: required(env.DDX_FHIR_PRIVATE_KEY, 'DDX_FHIR_PRIVATE_KEY', because),
    keyId: required(env.DDX_FHIR_KEY_ID, 'DDX_FHIR_KEY_ID', because),
    algorithm: env.DDX_FHIR_SIGNING_ALG,
    tokenUrl: env.DDX_FHIR_TOKEN_URL,
    scope: env.DDX_FHIR_SCOPE,
  };
}

function required(value: string | undefined, name: string, because: string): string {
  if (!value) throw new ConfigurationError(`invalid configuration: ${name} is required with ${because}`);
  return value;
}
