/**
 * The redelivery protocol around one job (DESIGN.md section 5: S3 delivers at least once). One
 * record per exact object version, so:
 *
 * - reuse: a finished record for the version answers at once (`admitEarly`, `identify`);
 * - claim: of two deliveries running at once, only the claim holder runs the models; the lease
 *   outlives the job's deadline, so it only expires for a run that died (`admit`, `close`). When
 *   the event names the version, the lookup and the claim run beside the download (`admitEarly`);
 *   the claim is given back only when what is stored may still be re-run: a final record answers
 *   every later delivery before any claim is tried, so its claim is left to expire;
 * - save: the record is written in a window of its own after the job's deadline, replacing a
 *   retriable failure only if that is still what is stored (`save`, persist.ts);
 * - deadlines: the job's deadline is an AbortSignal, and a step that would start with too little
 *   time left ends the job retriably instead (`step`).
 */
import { randomUUID } from 'node:crypto';
import { processIsGone, thisProcess } from '../concurrency/claim-process.js';
import { asDdxError, DeadlineExceededError, InProgressError, PipelineStep } from '../errors.js';
import { StepTimer } from '../observability/step-timer.js';
import type { BlobHead, ClaimHolder, Logger, ObjectVersion } from '../ports.js';
import { type InferenceRecord, isFinal, RecordStatus, recordIdFor, type SourceObject } from '../record.js';
import { type Deadline, startDeadline } from '../resilience/deadline.js';
import type { Analysis } from './analyse.js';
import { assembleRecord, persist } from './persist.js';
import type { InferenceOutcome, Job, JobContext, PipelineDeps } from './pipeline-deps.js';

/** Whether this run may analyse the record: finished already, claimed by this run, or held by another. */
export type Admission =
  | { kind: 'finished'; record: InferenceRecord }
  | { kind: 'claimed' }
  | { kind: 'held' };

/** How long a claim outlives the job's deadline before another delivery may take it over. */
const claimGraceMs = 30_000;
/** Time to store the record after the job's deadline, when the job does not say (`writeDeadline`). */
const defaultWriteWindowMs = 30_000;
const defaultMinStepTimeMs = 500;

export class RecordSession implements JobContext {
  readonly source: SourceObject;
  readonly timer = new StepTimer();
  readonly signal: AbortSignal;
  /** The job's logger, with the record id once it is known. Keys are never logged (PHI). */
  logger: Logger;
  private readonly jobLogger: Logger;
  private readonly deadline: Deadline;
  private readonly deadlineEpochMs: number;
  private readonly writeDeadlineEpochMs: number;
  /** The stored record for this id, when there is one (a retriable failure to replace). */
  private previous: InferenceRecord | undefined;
  private claimed: { id: string; owner: string } | undefined;
  /** Who held the claim when this run was refused it, when the store can tell. */
  private holder: ClaimHolder | undefined;
  /** The lookup and claim started before the head, for the id the event named. */
  private early: { id: string; admission: Promise<Admission> } | undefined;
  /** What is stored for this id once the job saved (its record, or a concurrent run's). */
  private stored: InferenceRecord | undefined;

  constructor(
    private readonly job: Job,
    private readonly deps: PipelineDeps,
  ) {
    this.deadlineEpochMs = job.deadline ?? Date.now() + deps.jobTimeoutMs;
    this.writeDeadlineEpochMs = job.writeDeadline ?? this.deadlineEpochMs + defaultWriteWindowMs;
    this.deadline = startDeadline(this.deadlineEpochMs);
    this.signal = this.deadline.signal;
    this.source = { ...job.source, bucket: job.source.bucket ?? deps.blobStore.bucket };
    this.jobLogger = deps.logger.child({ requestId: job.requestId, trigger: job.trigger });
    this.logger = this.knowsVersion() ? this.jobLogger.child({ recordId: this.recordId }) : this.jobLogger;
  }

  get recordId(): string {
    return recordIdFor(this.source);
  }

  get sourceKey(): string {
    return this.source.key;
  }

  /**
   * When the event named the version: looks up its record and, unless it is finished, claims it,
   * started now so that both run beside the download and the head. Undefined otherwise.
   */
  admitEarly(): Promise<Admission> | undefined {
    if (!this.knowsVersion()) return undefined;
    const admission = this.admit();
    admission.catch(() => undefined);
    this.early = { id: this.recordId, admission };
    return admission;
  }

  /**
   * Takes the version from the object's head: the record id is final, then its finished record
   * answers, or this run claims it. The early admission stands when the head left the id as the
   * event named it; else its claim is given back and the head's id is admitted.
   */
  async identify(head: BlobHead): Promise<Admission> {
    this.source.etag ??= head.etag;
    this.source.versionId ??= head.versionId;
    this.logger = this.jobLogger.child({ recordId: this.recordId });
    const { early } = this;
    if (early?.id === this.recordId) return early.admission;
    if (early) {
      await early.admission.catch(() => undefined);
      await this.giveBack();
    }
    return this.admit();
  }

  /** Looks the record up, then claims it unless it is finished. */
  private async admit(): Promise<Admission> {
    const finished = await this.lookUp();
    if (finished) return { kind: 'finished', record: finished };
    return (await this.claim()) ? { kind: 'claimed' } : { kind: 'held' };
  }

  /**
   * Claims the record id for this run; false while another run's claim is live. A claim whose
   * process is gone (killed, crashed) is taken over at once rather than when its lease ends.
   */
  private async claim(): Promise<boolean> {
    const id = this.recordId;
    const { resultStore } = this.deps;
    const owner = `${this.job.requestId}:${randomUUID()}`;
    const leaseMs = this.writeDeadlineEpochMs - Date.now() + claimGraceMs;
    const claimOptions = { owner, leaseMs, process: thisProcess(), signal: this.signal };
    if (await resultStore.claim(id, claimOptions)) {
      this.claimed = { id, owner };
      return true;
    }
    const holder = await resultStore.claimHolder?.(id, { signal: this.signal });
    if (holder?.process && processIsGone(holder.process)) {
      this.logger.warn('taking over the claim of a run whose process is gone', {
        step: PipelineStep.loadContext,
        pid: holder.process.pid,
      });
      if (await resultStore.claim(id, { ...claimOptions, takeOverFrom: holder.owner })) {
        this.claimed = { id, owner };
        return true;
      }
    }
    this.holder = holder;
    return false;
  }

  /** Another run holds the claim: nothing is written, and a later delivery finds that run's record. */
  heldElsewhere(): InProgressError {
    this.logger.info('another run holds this record: leaving it to that run', {
      step: PipelineStep.loadContext,
    });
    const holder = this.holder;
    return new InProgressError(
      this.recordId,
      holder && { pid: holder.process?.pid, host: holder.process?.host, expiresAt: holder.expiresAt },
    );
  }

  /** The exact version the job names (an event's, or the one an upload stored); undefined for a bare key. */
  knownVersion(): ObjectVersion | undefined {
    const { versionId, etag } = this.source;
    return versionId || etag ? { versionId, etag } : undefined;
  }

  /** Starts a step now and awaits it later; an early failure elsewhere must not leave it unhandled. */
  startStep<T>(name: PipelineStep, work: () => Promise<T>): Promise<T> {
    const started = this.step(name, work);
    started.catch(() => undefined);
    return started;
  }

  /** The job no longer needs work in flight: cancel it and let it settle. */
  async abandon(...work: Promise<unknown>[]): Promise<void> {
    this.deadline.cancel();
    await Promise.all(work.map((item) => item.catch(() => undefined)));
  }

  async step<T>(name: PipelineStep, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    const minStepTimeMs = this.deps.minStepTimeMs ?? defaultMinStepTimeMs;
    try {
      this.signal.throwIfAborted();
      const left = this.deadlineEpochMs - Date.now();
      if (left < minStepTimeMs) {
        throw new DeadlineExceededError(
          name,
          undefined,
          `too little time left for ${name}: ${Math.max(0, left)} ms, a step needs ${minStepTimeMs} ms`,
        );
      }
      const result = await this.timer.measure(name, work);
      this.logger.info('step finished', { step: name, durationMs: durationMs() });
      return result;
    } catch (error) {
      const failure = asDdxError(error, name);
      this.logger.warn('step failed', {
        step: failure.step ?? name,
        durationMs: durationMs(),
        code: failure.code,
        retriable: failure.retriable,
      });
      throw failure;
    }
  }

  reuse(record: InferenceRecord): InferenceOutcome {
    this.jobLogger.info('already processed: returning the stored record', {
      recordId: record.id,
      status: record.status,
    });
    return { record, reused: true };
  }

  /** Stores the analysis as the record; a concurrent run that stored first wins. */
  async save(analysis: Analysis): Promise<InferenceOutcome> {
    const { status, error } = analysis;
    const timestamp = (this.deps.now?.() ?? new Date()).toISOString();
    const record = assembleRecord(
      { id: this.recordId, source: this.source, requestId: this.job.requestId, trigger: this.job.trigger },
      analysis,
      {
        timings: this.timer.snapshot(),
        createdAt: this.previous?.createdAt ?? timestamp,
        updatedAt: timestamp,
      },
    );
    const persistStarted = performance.now();
    const saved = await this.withinWriteWindow((signal) =>
      persist(this.deps, record, {
        replacing: this.previous?.updatedAt,
        patient: analysis.patient,
        signal,
      }),
    );
    const fields = {
      recordId: record.id,
      status,
      code: error?.code,
      step: error?.step,
      retriable: error?.retriable,
      durationMs: record.timings.total,
      persistMs: Math.round(performance.now() - persistStarted),
    };
    if (!saved.written) {
      // Another delivery of the same object finished first: its record stands.
      this.stored = saved.existing;
      this.jobLogger.info('a concurrent run stored this record first', fields);
      return { record: saved.existing, reused: true };
    }
    this.stored = record;
    if (status === RecordStatus.failed) this.jobLogger.warn('job failed', fields);
    else this.jobLogger.info('job finished', fields);
    return { record, reused: false };
  }

  /**
   * Ends the job: its deadline's timer, and the claim given back unless the stored record is
   * final. A final record answers every later delivery before a claim is tried, so that release
   * would only hold the response; its lease expires on its own. What may still be re-run (a
   * retriable failure, or no record at all) gives the claim back before the job ends, so the
   * platform's retry finds it free.
   */
  async close(): Promise<void> {
    this.deadline.stop();
    if (this.stored && isFinal(this.stored)) return;
    await this.giveBack();
  }

  private async giveBack(): Promise<void> {
    if (!this.claimed) return;
    const { id, owner } = this.claimed;
    this.claimed = undefined;
    // The lease expires on its own; the record is what matters.
    await this.withinWriteWindow((signal) => this.deps.resultStore.release(id, owner, { signal })).catch(
      () => undefined,
    );
  }

  private knowsVersion(): boolean {
    return Boolean(this.source.versionId ?? this.source.etag);
  }

  private async lookUp(): Promise<InferenceRecord | undefined> {
    this.previous = await this.deps.resultStore.get(this.recordId, { signal: this.signal });
    return this.previous && isFinal(this.previous) ? this.previous : undefined;
  }

  /**
   * The write has its own deadline, after the job's: a step cut off by the job's deadline still
   * leaves a record, and a store too slow even for this window fails retriably, not mid-write.
   * Bounded like the write, a hung store cannot hold the claim's release past the job's end either.
   */
  private async withinWriteWindow<T>(write: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const window = startDeadline(this.writeDeadlineEpochMs);
    try {
      return await write(window.signal);
    } finally {
      window.stop();
    }
  }
}
