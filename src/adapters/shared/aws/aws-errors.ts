/**
 * AWS SDK v3 failures to typed errors, written once for every AWS service we call: a table per
 * service says what each of its exceptions means, and one classifier reads the SDK's fields
 * (`name` from `x-amzn-errortype`, `$metadata.httpStatusCode`, `$retryable`, `Retry-After`).
 *
 * ```
 * the exception's name in the table     decides
 * else its HTTP status in the table     decides
 * else the SDK's $retryable flag        throttled or transient
 * else any other status                 the table's `otherStatus`
 * else (no HTTP answer at all)          a network failure: reset, refused, DNS
 * ```
 *
 * The tables differ on purpose (they are data, not copies): S3 says 404 for a missing upload,
 * which is the caller's mistake, and 503 when it wants us to slow down; DynamoDB's conditional
 * writes make a cut-short 2xx safe to retry; SageMaker's ModelError is the container failing,
 * which fails the same way again.
 */
import {
  BadInputError,
  ConfigurationError,
  DdxError,
  DependencyError,
  InputErrorCode,
  ServiceErrorCode,
} from '../../../errors.js';
import { errorFromNetworkFailure } from '../../../resilience/http-errors.js';
import { parseRetryAfter } from '../../../resilience/retry.js';

/**
 * What a failure means: `transient` and `permanent` are the service's own failure code
 * (`failureCode`), retriable or not; `not-found` is an object the caller named that is not there.
 */
export type AwsVerdict = 'throttled' | 'transient' | 'permanent' | 'timeout' | 'model-error' | 'not-found';

export interface AwsErrorTable {
  /** The code of this service's failures: STORAGE_ERROR for the stores, DEPENDENCY_UNAVAILABLE for models. */
  failureCode: ServiceErrorCode;
  byName: Readonly<Record<string, AwsVerdict>>;
  byStatus: Readonly<Record<number, AwsVerdict>>;
  /** A status in neither table. */
  otherStatus(status: number): AwsVerdict;
  /** More to say about some exceptions (a container's own answer), from their extra fields. */
  detail?(fields: AwsErrorFields): string | undefined;
}

/** The fields the SDK puts on a service exception; `status` is absent on failures below HTTP. */
export interface AwsErrorFields {
  name: string | undefined;
  status: number | undefined;
  throttling: boolean;
  retryable: boolean;
  message: string;
  retryAfterMs: number | undefined;
  raw: Record<string, unknown>;
}

const fiveHundredsTransient = (status: number): AwsVerdict => (status >= 500 ? 'transient' : 'permanent');
/**
 * A 2xx that still failed is an answer the SDK could not read (cut short on the way): worth
 * another attempt where repeating the call is safe (conditional writes, inference).
 */
const cutShortOrFiveHundredsTransient = (status: number): AwsVerdict =>
  status < 300 ? 'transient' : fiveHundredsTransient(status);

export const s3Errors: AwsErrorTable = {
  failureCode: ServiceErrorCode.storageError,
  byName: {
    // A missing bucket is a deployment problem, not a missing upload.
    NoSuchBucket: 'permanent',
    NoSuchKey: 'not-found',
    NotFound: 'not-found',
    // Permissions (and a skewed clock, also a 403) never fix themselves within a job's retries.
    AccessDenied: 'permanent',
    RequestTimeTooSkewed: 'permanent',
    SlowDown: 'throttled',
    Throttling: 'throttled',
    ThrottlingException: 'throttled',
    RequestLimitExceeded: 'throttled',
    TooManyRequests: 'throttled',
    ServiceUnavailable: 'throttled',
    InternalError: 'transient',
    RequestTimeout: 'transient',
  },
  byStatus: { 404: 'not-found', 403: 'permanent', 429: 'throttled', 503: 'throttled' },
  otherStatus: fiveHundredsTransient,
};

export const dynamoDbErrors: AwsErrorTable = {
  failureCode: ServiceErrorCode.storageError,
  byName: {
    ProvisionedThroughputExceededException: 'throttled',
    ThrottlingException: 'throttled',
    RequestLimitExceeded: 'throttled',
    TooManyRequestsException: 'throttled',
    InternalServerError: 'transient',
    ServiceUnavailable: 'transient',
  },
  byStatus: { 429: 'throttled' },
  // AccessDenied, ResourceNotFound and validation errors are 400s: permanent.
  otherStatus: cutShortOrFiveHundredsTransient,
};

/** By the name the SDK took from `x-amzn-errortype`; a failing container fails the same way again. */
export const sageMakerRuntimeErrors: AwsErrorTable = {
  failureCode: ServiceErrorCode.dependencyUnavailable,
  byName: {
    ModelError: 'model-error',
    ValidationError: 'model-error',
    ModelNotReadyException: 'throttled',
    ThrottlingException: 'throttled',
    TooManyRequestsException: 'throttled',
    ServiceUnavailable: 'transient',
    InternalFailure: 'transient',
    InternalDependencyException: 'transient',
  },
  byStatus: { 429: 'throttled' },
  // Credentials, permissions, an unknown endpoint (4xx): a person has to fix these.
  otherStatus: cutShortOrFiveHundredsTransient,
  detail({ name, raw }) {
    if (name !== 'ModelError') return undefined;
    const { OriginalStatusCode, OriginalMessage, LogStreamArn } = raw;
    const original = typeof OriginalMessage === 'string' ? `: ${OriginalMessage.slice(0, 300)}` : '';
    const logs = typeof LogStreamArn === 'string' ? ` (logs: ${LogStreamArn})` : '';
    return `the container answered ${typeof OriginalStatusCode === 'number' ? OriginalStatusCode : 'an error'}${original}${logs}`;
  },
};

/** Throttling, unavailability and model timeouts are worth a retry; quotas and bad requests are not. */
export const bedrockRuntimeErrors: AwsErrorTable = {
  failureCode: ServiceErrorCode.dependencyUnavailable,
  byName: {
    ThrottlingException: 'throttled',
    ServiceUnavailableException: 'transient',
    InternalServerException: 'transient',
    ModelNotReadyException: 'transient',
    ModelTimeoutException: 'timeout',
    ModelErrorException: 'model-error',
    ValidationException: 'permanent',
    AccessDeniedException: 'permanent',
    ResourceNotFoundException: 'permanent',
    ServiceQuotaExceededException: 'permanent',
  },
  byStatus: { 429: 'throttled', 408: 'timeout' },
  otherStatus: cutShortOrFiveHundredsTransient,
};

/**
 * A typed error for an AWS SDK failure. `operation` names the call (`S3 GetObject`,
 * `SageMaker InvokeEndpoint derm-v3`); `object`, when given, is the key the call was about.
 */
export function awsError(table: AwsErrorTable, error: unknown, operation: string, object?: string): DdxError {
  if (error instanceof DdxError) return error;
  const fields = awsErrorFields(error);
  const call = object === undefined ? operation : `${operation} ${object}`;
  const missing = missingClientSetting(error);
  if (missing) return new ConfigurationError(`${call}: ${missing}`, error);
  if (fields.status === undefined) {
    // No HTTP answer at all: a reset, a refused connection, DNS.
    const network = errorFromNetworkFailure(call, error);
    return new DependencyError(network.message, {
      code: table.failureCode,
      retriable: network.retriable,
      cause: error,
    });
  }
  const verdict = verdictFor(table, fields, fields.status);
  if (verdict === 'not-found') {
    return new BadInputError(
      `object not found: ${object ?? operation}`,
      InputErrorCode.objectNotFound,
      undefined,
      error,
    );
  }
  const detail = table.detail?.(fields);
  const message = `${call} failed: ${fields.name ?? 'error'} (HTTP ${fields.status}): ${fields.message}${detail ? `; ${detail}` : ''}`;
  const { code, retriable } = outcomeOf(verdict, table.failureCode);
  return new DependencyError(message, {
    code,
    retriable,
    retryAfterMs: retriable ? fields.retryAfterMs : undefined,
    cause: error,
  });
}

/**
 * The SDK refused before sending anything because a setting is missing: no retry supplies it, so
 * it is the deployment's to fix (INVALID_CONFIGURATION), not a dependency that is down.
 */
function missingClientSetting(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.message === 'Region is missing') {
    return 'no AWS region is set: set AWS_REGION (or a region in the AWS profile)';
  }
  if (
    error.name === 'CredentialsProviderError' &&
    error.message.startsWith('Could not load credentials from any providers')
  ) {
    return 'no AWS credentials were found (environment, profile, SSO, web identity or instance role)';
  }
  return undefined;
}

function verdictFor(table: AwsErrorTable, fields: AwsErrorFields, status: number): AwsVerdict {
  const byName = fields.name === undefined ? undefined : table.byName[fields.name];
  if (byName) return byName;
  const byStatus = table.byStatus[status];
  if (byStatus) return byStatus;
  if (fields.throttling) return 'throttled';
  if (fields.retryable) return 'transient';
  return table.otherStatus(status);
}

function outcomeOf(
  verdict: Exclude<AwsVerdict, 'not-found'>,
  failureCode: ServiceErrorCode,
): { code: ServiceErrorCode; retriable: boolean } {
  switch (verdict) {
    case 'throttled':
      return { code: ServiceErrorCode.throttled, retriable: true };
    case 'transient':
      return { code: failureCode, retriable: true };
    case 'permanent':
      return { code: failureCode, retriable: false };
    case 'timeout':
      return { code: ServiceErrorCode.dependencyTimeout, retriable: true };
    case 'model-error':
      return { code: ServiceErrorCode.modelError, retriable: false };
  }
}

/** The fields the SDK puts on a service exception, read defensively (anything may be thrown). */
export function awsErrorFields(error: unknown): AwsErrorFields {
  const raw = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown> & {
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: { throttling?: unknown };
    $response?: { headers?: Record<string, unknown> };
  };
  const status = raw.$metadata?.httpStatusCode;
  const retryAfter = raw.$response?.headers?.['retry-after'];
  return {
    name: typeof raw.name === 'string' ? raw.name : undefined,
    status: typeof status === 'number' ? status : undefined,
    throttling: raw.$retryable?.throttling === true,
    retryable: raw.$retryable !== undefined,
    message: typeof raw.message === 'string' ? raw.message.slice(0, 200) : String(error),
    retryAfterMs: parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined),
    raw,
  };
}

/** The exception's name, for the conditional-write checks (`ConditionalCheckFailedException`). */
export function awsErrorName(error: unknown): string | undefined {
  return awsErrorFields(error).name;
}
