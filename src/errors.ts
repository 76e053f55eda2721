/**
 * The typed errors of the pipeline. Every failure a step can meet becomes one of these, so the
 * record, the CLI exit code and (later) the HTTP/Lambda response are all derived from `code`,
 * `step` and `retriable` instead of from message text.
 */

export const PipelineStep = {
  event: 'event',
  loadContext: 'load-context',
  fetchImage: 'fetch-image',
  route: 'route',
  localize: 'localize',
  classify: 'classify',
  assess: 'assess',
  recommend: 'recommend',
  persist: 'persist',
  configure: 'configure',
} as const;
export type PipelineStep = (typeof PipelineStep)[keyof typeof PipelineStep];

/** Codes for inputs the caller must fix: retrying the same input can never succeed. */
export const InputErrorCode = {
  invalidEvent: 'INVALID_EVENT',
  invalidMetadata: 'INVALID_METADATA',
  objectNotFound: 'OBJECT_NOT_FOUND',
  /**
   * The object (or its metadata sidecar) was replaced after the event that named it: the version
   * the event describes can no longer be read, and the newer version has its own event.
   */
  objectChanged: 'OBJECT_CHANGED',
  emptyObject: 'EMPTY_OBJECT',
  objectTooLarge: 'OBJECT_TOO_LARGE',
  unsupportedFormat: 'UNSUPPORTED_FORMAT',
  corruptImage: 'CORRUPT_IMAGE',
  imageTooLarge: 'IMAGE_TOO_LARGE',
  imageTooSmall: 'IMAGE_TOO_SMALL',
  /** Within the size limits, but its header or its decode exceeds a decode budget (scans, components, time, memory). */
  imageTooComplex: 'IMAGE_TOO_COMPLEX',
  unsupportedModality: 'UNSUPPORTED_MODALITY',
  noRoute: 'NO_ROUTE',
} as const;

/** Codes for failures of a dependency or of the service itself. */
export const ServiceErrorCode = {
  dependencyTimeout: 'DEPENDENCY_TIMEOUT',
  dependencyUnavailable: 'DEPENDENCY_UNAVAILABLE',
  throttled: 'THROTTLED',
  modelError: 'MODEL_ERROR',
  invalidModelOutput: 'INVALID_MODEL_OUTPUT',
  deadlineExceeded: 'DEADLINE_EXCEEDED',
  invalidConfiguration: 'INVALID_CONFIGURATION',
  storageError: 'STORAGE_ERROR',
  inProgress: 'IN_PROGRESS',
  internal: 'INTERNAL_ERROR',
} as const;

export type InputErrorCode = (typeof InputErrorCode)[keyof typeof InputErrorCode];
export type ServiceErrorCode = (typeof ServiceErrorCode)[keyof typeof ServiceErrorCode];
export type ErrorCode = InputErrorCode | ServiceErrorCode;

const inputErrorCodes: ReadonlySet<string> = new Set(Object.values(InputErrorCode));

export function isInputErrorCode(code: string): code is InputErrorCode {
  return inputErrorCodes.has(code);
}

export interface DdxErrorOptions {
  code: ErrorCode;
  /** Adapters leave it out: the pipeline step that called them fills it in (see `asDdxError`). */
  step?: PipelineStep;
  retriable: boolean;
  cause?: unknown;
}

export class DdxError extends Error {
  readonly code: ErrorCode;
  step: PipelineStep | undefined;
  readonly retriable: boolean;

  constructor(message: string, options: DdxErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'DdxError';
    this.code = options.code;
    this.step = options.step;
    this.retriable = options.retriable;
  }
}

/** The input can never be processed as it is: a `failed` record, no retry. */
export class BadInputError extends DdxError {
  constructor(message: string, code: InputErrorCode, step?: PipelineStep, cause?: unknown) {
    super(message, { code, step, retriable: false, cause });
    this.name = 'BadInputError';
  }
}

/** A dependency (store, model, prompt source, LLM) failed; `retriable` says whether trying again may help. */
export class DependencyError extends DdxError {
  /** How long the dependency asked us to wait (HTTP `Retry-After`), when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: {
      code: ServiceErrorCode;
      step?: PipelineStep;
      retriable: boolean;
      cause?: unknown;
      retryAfterMs?: number;
    },
  ) {
    super(message, options);
    this.name = 'DependencyError';
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A model answered something no retry can make usable (a shape, a label or a box it cannot have). */
export function invalidModelOutput(source: string, problem: string, cause?: unknown): DependencyError {
  return new DependencyError(`${source} answered an unusable response: ${problem}`, {
    code: ServiceErrorCode.invalidModelOutput,
    retriable: false,
    cause,
  });
}

/** The job ran out of time before a step could finish; another delivery may succeed. */
export class DeadlineExceededError extends DdxError {
  constructor(step?: PipelineStep, cause?: unknown, message?: string) {
    super(message ?? (step ? `the job deadline passed during ${step}` : 'the job deadline passed'), {
      code: ServiceErrorCode.deadlineExceeded,
      step,
      retriable: true,
      cause,
    });
    this.name = 'DeadlineExceededError';
  }
}

/**
 * Another run holds the claim on this object: nothing is written, and a later delivery will find
 * that run's record (or take over its claim if it crashed).
 */
export class InProgressError extends DdxError {
  /**
   * `holder` says who and until when, when the store can tell: "being processed by pid 4242 on
   * ward-pc until 14:03:12 UTC", so a user knows whether to wait or look for a stuck process.
   */
  constructor(recordId: string, holder?: { pid?: number; host?: string; expiresAt: number }) {
    const who =
      holder?.pid === undefined
        ? 'another run'
        : `pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ''}`;
    const until = holder ? ` until ${new Date(holder.expiresAt).toISOString().slice(11, 19)} UTC` : '';
    super(`record ${recordId} is being processed by ${who}${until}`, {
      code: ServiceErrorCode.inProgress,
      step: PipelineStep.loadContext,
      retriable: true,
    });
    this.name = 'InProgressError';
  }
}

/** Configuration (routing table, model cards, environment) is wrong: found at start-up. */
export class ConfigurationError extends DdxError {
  constructor(message: string, cause?: unknown) {
    super(message, {
      code: ServiceErrorCode.invalidConfiguration,
      step: PipelineStep.configure,
      retriable: false,
      cause,
    });
    this.name = 'ConfigurationError';
  }
}

/**
 * Wraps anything thrown in a step into a DdxError, so no failure leaves the pipeline untyped, and
 * names the step on errors raised by adapters (which do not know which step called them).
 */
export function asDdxError(error: unknown, step: PipelineStep): DdxError {
  if (error instanceof DdxError) {
    error.step ??= step;
    return error;
  }
  if (error instanceof Error && error.name === 'AbortError') return new DeadlineExceededError(step, error);
  if (error instanceof Error && error.name === 'TimeoutError') return new DeadlineExceededError(step, error);
  const message = error instanceof Error ? error.message : String(error);
  // Unknown failures are bugs or unforeseen environment trouble: mark them retriable so a
  // redelivery after the fix processes the upload instead of losing it.
  return new DdxError(`internal error in ${step}: ${message}`, {
    code: ServiceErrorCode.internal,
    step,
    retriable: true,
    cause: error,
  });
}
