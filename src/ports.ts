/**
 * The ports of DDx Assist (DESIGN.md section 2): the only things the pipeline knows about the
 * outside world. Each has an embedded default and its production adapters under
 * `adapters/<port>/<backend>.ts` (docs/architecture.md). Every port that talks to a backend names
 * itself (`name`) for logs and records. The values they carry are the domain model (domain.ts).
 */
import type {
  DecodedImage,
  Detection,
  LabelScore,
  PatientIdentifiers,
  Prompt,
  Recommendation,
  RecommendationRequest,
  TokenUsage,
} from './domain.js';
import type { RecordEvent } from './events/record-event.js';
import type { ClassificationCard, DetectionCard } from './models/model-card.js';
import type { InferenceRecord, RecordStatus, ReviewState } from './record.js';

/** Options every external call accepts: the job's deadline travels as an AbortSignal. */
export interface CallOptions {
  signal?: AbortSignal;
  /** The record the call works for: remote models tag their request with it (SageMaker InferenceId). */
  recordId?: string;
}

// ---------------------------------------------------------------------------------------------
// BlobStore

export interface BlobHead {
  size: number;
  contentType?: string;
  etag?: string;
  versionId?: string;
  /** User metadata (S3 `x-amz-meta-*`, or the local sidecar JSON): untrusted, validated later. */
  metadata: Record<string, unknown>;
}

/**
 * One exact version of an object, as an event names it: S3's `versionId` (versioned buckets) or
 * its ETag (unversioned). A read given a version returns that version's bytes and metadata, or
 * fails with OBJECT_CHANGED when it was replaced: never the newer bytes under the older name.
 */
export interface ObjectVersion {
  versionId?: string;
  etag?: string;
}

export interface ReadOptions extends CallOptions {
  version?: ObjectVersion;
}

export interface PutOptions extends CallOptions {
  contentType: string;
  metadata?: Record<string, string>;
  /**
   * The upload's metadata sidecar JSON (uploads/metadata-sidecar.ts), stored with the object as
   * one unit: a read of the object's version always returns this sidecar's metadata, even after
   * a later upload replaced the sidecar.
   */
  sidecar?: Uint8Array;
}

export interface GetOptions extends ReadOptions {
  /** Refuse objects larger than this before reading them. */
  maxBytes: number;
}

export interface BlobStore {
  readonly name: string;
  /** The bucket (or folder) name that goes into record ids. */
  readonly bucket: string;
  head(key: string, options?: ReadOptions): Promise<BlobHead>;
  get(key: string, options: GetOptions): Promise<Uint8Array>;
  /** Stores a new version of the object and names it, for the job that analyses it. */
  put(key: string, body: Uint8Array, options: PutOptions): Promise<ObjectVersion>;
}

// ---------------------------------------------------------------------------------------------
// ResultStore

export interface ListOptions {
  status?: RecordStatus;
  limit?: number;
}

/** One page of the worklist: newest first, filtered, continued by an opaque cursor. */
export interface PageQuery {
  status?: RecordStatus;
  verdict?: 'confident' | 'uncertain' | 'out-of-scope';
  /** A record without a review is `preliminary`. */
  reviewState?: ReviewState;
  /** Records whose id starts with this. */
  idPrefix?: string;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  limit: number;
}

export interface RecordPage {
  records: InferenceRecord[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** What a conditional write found: written, or another writer got there first. */
export type SaveOutcome = { written: true } | { written: false; existing: InferenceRecord };

/** An event to store with a record, in the same step, once for each sink that should receive it. */
export interface PendingEvent {
  event: RecordEvent;
  sinks: readonly string[];
}

export interface SaveOptions extends CallOptions {
  replacing?: string;
  patient?: PatientIdentifiers;
  /**
   * Outbox entries written in the same step as the record, and only if the record is: SQLite in
   * its transaction, DynamoDB in a write order that never loses one (adapters/result-store/).
   */
  events?: readonly PendingEvent[];
}

/** The process that holds a claim (concurrency/claim-process.ts): pid, host and start (epoch ms). */
export interface ClaimProcess {
  pid: number;
  host: string;
  startedAt: number;
}

export interface RecordClaimOptions extends CallOptions {
  owner: string;
  leaseMs: number;
  /** The process taking the claim, stored with it so another run can tell whether it is alive. */
  process?: ClaimProcess;
  /** Take the claim over from this owner even though its lease is live (its process is gone). */
  takeOverFrom?: string;
}

export interface ClaimHolder {
  owner: string;
  /** Epoch ms at which the lease ends. */
  expiresAt: number;
  process?: ClaimProcess;
}

export interface ResultStore {
  readonly name: string;
  /**
   * Writes the record if no record with its id exists, or if `replacing` is given and the stored
   * record still has that `updatedAt` (optimistic concurrency for re-running a retriable failure).
   * Patient identifiers are kept apart from the record and are never returned by `get`/`list`.
   */
  save(record: InferenceRecord, options?: SaveOptions): Promise<SaveOutcome>;
  get(id: string, options?: CallOptions): Promise<InferenceRecord | undefined>;
  /**
   * The identifiers the clinic gave with the upload, for the outputs that name the patient (the
   * FHIR subject, the SR's Patient module); undefined when none were given. Never logged, never
   * put in a record or an event.
   */
  patientIdentifiers(recordId: string, options?: CallOptions): Promise<PatientIdentifiers | undefined>;
  /**
   * Claims a record id for one run for `leaseMs`, so two concurrent deliveries of the same object
   * do not both run the models. False while another run's claim is live; an expired claim (a run
   * that crashed) can be taken over, and so can the claim of `takeOverFrom` (a holder whose
   * process is gone) while it is still that holder's.
   */
  claim(id: string, options: RecordClaimOptions): Promise<boolean>;
  /**
   * Who holds the claim on a record id now, if anyone: for the message a refused run gives, and
   * to take over a claim whose process is gone. Stores that cannot tell leave it out.
   */
  claimHolder?(id: string, options?: CallOptions): Promise<ClaimHolder | undefined>;
  /** Gives a claim back once the record is stored. */
  release(id: string, owner: string, options?: CallOptions): Promise<void>;
  /** Newest first. */
  list(options?: ListOptions & CallOptions): Promise<InferenceRecord[]>;
  /** Newest first, filtered, a page at a time (record-page-cursor.ts). */
  listPage(query: PageQuery & CallOptions): Promise<RecordPage>;
  close?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Events: the outbox (in the result store) and the sinks it drains into (src/events/)

export type OutboxState = 'pending' | 'delivered' | 'failed';

export interface OutboxEntry {
  eventId: string;
  sink: string;
  event: RecordEvent;
  state: OutboxState;
  /** Delivery attempts made so far (each a sender call with its own bounded retries). */
  attempts: number;
  /** When a pending entry is next due (ISO 8601); for a failed one, when it failed. */
  dueAt: string;
  lastError: string | null;
  appendedAt: string;
  deliveredAt: string | null;
}

export interface ClaimOptions extends CallOptions {
  now: Date;
  /** How long the claimed entries are held for this drainer. */
  leaseMs: number;
  limit: number;
  /** Claim only these events for these sinks (what a job just stored), read consistently. */
  only?: { eventIds: readonly string[]; sinks: readonly string[] };
}

/**
 * Events waiting to be delivered, kept in the result store: an event is written in the same step
 * as its record (`ResultStore.save` with `events`) and is never lost when a sink is down. One
 * entry per (event, sink).
 *
 * ```
 * append ──> pending ──claimDue──> (send) ──ok──> delivered
 *               ^                     │
 *               │                     ├─transient, attempts < max──> pending (due after backoff)
 *             retry                   └─permanent, or attempts = max──> failed (dead letter)
 *               └──────────────────────────────────────────────────────────┘
 * ```
 *
 * `claimDue` leases what it returns (moves its due time `leaseMs` ahead), so the job's own drain
 * and a scheduled sweep rarely send the same entry twice; a drainer that crashed loses its lease
 * and the entry is sent again. Delivery is at least once: receivers de-duplicate on the event id.
 */
export interface Outbox {
  readonly name: string;
  /** Adds the event once per sink; appending an event that is already there changes nothing. */
  append(event: RecordEvent, sinks: readonly string[], options?: CallOptions & { now?: Date }): Promise<void>;
  /**
   * Settles entries a crash left half-written (DynamoDB writes them before the record and
   * confirms them after it): older than `graceMs`, an entry whose record was stored becomes
   * pending, one whose record never was is dropped. Stores with transactions have none.
   */
  recover(
    options: { now: Date; graceMs: number } & CallOptions,
  ): Promise<{ confirmed: number; dropped: number }>;
  /** Pending entries due at `now`, oldest first, leased to the caller. */
  claimDue(options: ClaimOptions): Promise<OutboxEntry[]>;
  markDelivered(eventId: string, sink: string, at: Date, options?: CallOptions): Promise<void>;
  /** Records a failed attempt: due again at `retryAt`, or dead-lettered when `retryAt` is null. */
  markAttemptFailed(
    eventId: string,
    sink: string,
    failure: { error: string; at: Date; retryAt: Date | null },
    options?: CallOptions,
  ): Promise<void>;
  /** Entries in any state (for `ddx events list`), newest first. */
  list(options?: { limit?: number; state?: OutboxState } & CallOptions): Promise<OutboxEntry[]>;
  /** Makes dead-lettered entries pending again with their attempts reset; all of them without a filter. */
  retryFailed(filter?: { eventId?: string; sink?: string } & CallOptions & { now?: Date }): Promise<number>;
  close?(): Promise<void>;
}

/**
 * A sink of record events (signed webhook, EventBridge, FHIR push, the SR archive). `send`
 * delivers one event or throws a typed error whose `retriable` says whether the outbox should try
 * again later.
 */
export interface EventSender {
  /** The sink's name, stored with each outbox entry (`webhook`, `eventbridge`). */
  readonly name: string;
  /** Whether this sink takes the event at all (the SR archive: DICOM inputs only); every one when absent. */
  accepts?(event: RecordEvent): boolean;
  send(event: RecordEvent, options?: CallOptions): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Models

export interface Detector {
  readonly name: string;
  readonly card: DetectionCard;
  detect(image: DecodedImage, options?: CallOptions): Promise<Detection[]>;
}

export interface Classifier {
  readonly name: string;
  readonly card: ClassificationCard;
  /** Labels ranked by probability, highest first; probabilities sum to 1. */
  classify(image: DecodedImage, options?: CallOptions): Promise<LabelScore[]>;
}

/** Creates each configured model once and hands out the same instance afterwards. */
export interface ModelProvider {
  detector(id: string): Promise<Detector>;
  classifier(id: string): Promise<Classifier>;
  close?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Prompts and recommendations

export interface PromptSource {
  readonly name: string;
  get(name: string, options?: CallOptions): Promise<Prompt>;
}

export interface RecommendationResult {
  recommendation: Recommendation;
  provider: string;
  model: string;
  /** Token usage of an LLM call, when the provider reports it. */
  usage?: TokenUsage;
  /** Wall time of the provider call(s), retries and repair included. */
  latencyMs?: number;
}

export interface Recommender {
  readonly name: string;
  recommend(request: RecommendationRequest, options?: CallOptions): Promise<RecommendationResult>;
}

// ---------------------------------------------------------------------------------------------
// Observability

export const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/**
 * One structured logger for every host (JSON lines on the CLI and the server, Powertools in Lambda).
 * Callers pass only keys they chose: never an event body, metadata values or notes, which can
 * identify a patient.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (request id, record id). */
  child(fields: LogFields): Logger;
}

/** The Logger that writes nothing: the default wherever a caller passes none. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** One LLM generation as traced: what the LLM saw (de-identified) and what it answered. */
export interface TracedGeneration {
  recordId: string;
  provider: string;
  model: string;
  prompt: { name: string; version: number; isFallback: boolean };
  input: unknown;
  output: unknown;
  usage: TokenUsage | null;
  startTime: Date;
  endTime: Date;
}

/** Optional tracing of LLM generations (Langfuse); never fails a job. */
export interface GenerationTracer {
  record(generation: TracedGeneration): void;
  /**
   * Sends what is buffered; resolves (never rejects) once sent or given up. `signal` bounds it
   * (in Lambda: the invocation's remaining time), on top of the tracer's own retry policy.
   */
  flush(options?: { signal?: AbortSignal }): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Access and audit (the web workspace, src/web/): kept in the result store, beside the records

export type Role = 'uploader' | 'reviewer' | 'admin';

/** An API token as stored: only the SHA-256 of its secret, never the secret. */
export interface StoredToken {
  /** Public, part of the token itself (`ddx_<id>_<secret>`): found by id, checked by hash. */
  id: string;
  name: string;
  role: Role;
  /** Hex SHA-256 of the whole token. */
  sha256: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface TokenStore {
  readonly name: string;
  /** Stores a new token; an id that exists already is refused (ids are random). */
  add(token: StoredToken, options?: CallOptions): Promise<void>;
  get(id: string, options?: CallOptions): Promise<StoredToken | undefined>;
  /** Oldest first, revoked ones included. */
  list(options?: CallOptions): Promise<StoredToken[]>;
  /** Marks a token revoked; false when there is no such token or it was revoked already. */
  revoke(id: string, at: string, options?: CallOptions): Promise<boolean>;
  close?(): Promise<void>;
}

/** One change to a record, as it happened: nothing updates or deletes an entry once appended. */
export interface AuditEntry {
  /** Derived from what was done, so appending the same change twice keeps one entry. */
  id: string;
  recordId: string;
  at: string;
  /** The principal: `token:<name>` or `oidc:<subject>`. */
  actor: string;
  /** `review.accept`, `review.amend`, `review.reject`. */
  action: string;
  before: unknown;
  after: unknown;
}

export interface AuditLog {
  readonly name: string;
  /** Appends an entry; an entry with the same id is kept as it was (a retried append). */
  append(entry: AuditEntry, options?: CallOptions): Promise<void>;
  /** A record's entries, oldest first. */
  list(recordId: string, options?: CallOptions): Promise<AuditEntry[]>;
  close?(): Promise<void>;
}
