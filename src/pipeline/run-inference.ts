/**
 * The whole flow of DESIGN.md section 1 for one uploaded object, independent of how it was
 * triggered: the Lambda handler, the CLI and the HTTP server all call this.
 *
 * ```
 * load-context ─┐                       ┌─ prompt fetch ──────────────┐
 *               ├─ route ───────────────┤                             ├─ recommend ─ persist
 * fetch-image ──┘ (overlapped)          └─ localize ─ classify ───────┘
 * ```
 *
 * Every outcome ends as one record: `succeeded`, `degraded` (findings kept although the
 * recommendation failed) or `failed` (with the error's code, step and retriable flag). Only a
 * failure to store the record itself, or another run holding the object's claim
 * (`InProgressError`), escapes as an exception, so the caller can retry later.
 *
 * @example
 * const deps = await composeDependencies(loadConfig());
 * const { record } = await runInference({ source: { key: 'uploads/a.jpg' }, requestId: 'r1', trigger: 'cli' }, deps);
 */

import { randomUUID } from 'node:crypto';
import { type DeidentifiedNotes, deidentify, deidentifyNotes } from '../clinical/deidentify.js';
import { mergeDicomContext } from '../clinical/merge-dicom-context.js';
import { selectRoute } from '../clinical/routing-table.js';
import type { ClinicalContext, PatientIdentifiers, RecommendationRequest } from '../domain.js';
import {
  asDdxError,
  type DdxError,
  DeadlineExceededError,
  InProgressError,
  PipelineStep,
  ServiceErrorCode,
} from '../errors.js';
import { StepTimer } from '../observability/step-timer.js';
import type { GenerationTracer } from '../ports.js';
import {
  type InferenceRecord,
  isFinal,
  type RecommendationRecord,
  RecordStatus,
  recordIdFor,
  type SourceObject,
} from '../record.js';
import { startDeadline } from '../resilience/deadline.js';
import { classify } from './classify.js';
import { fetchImage } from './fetch-image.js';
import { loadContext } from './load-context.js';
import { localize } from './localize.js';
import type { Job, PipelineDeps, StepContext } from './pipeline-deps.js';
import { recommendWithFallback } from './recommend.js';
import { suggestBilling } from './suggest-billing.js';

/** How long a claim outlives the job's deadline before another delivery may take it over. */
const claimGraceMs = 30_000;
/** Time to store the record after the job's deadline, when the job does not say (`writeDeadline`). */
const defaultWriteWindowMs = 30_000;
const defaultMinStepTimeMs = 500;

export interface InferenceOutcome {
  record: InferenceRecord;
  /** True when a finished record for the same object already existed and no work was done. */
  reused: boolean;
}

type RecordFields = Omit<
  InferenceRecord,
  'id' | 'schemaVersion' | 'status' | 'error' | 'timings' | 'createdAt' | 'updatedAt'
>;

export async function runInference(job: Job, deps: PipelineDeps): Promise<InferenceOutcome> {
  const now = deps.now ?? (() => new Date());
  const timer = new StepTimer();
  const deadlineEpochMs = job.deadline ?? Date.now() + deps.jobTimeoutMs;
  const writeDeadlineEpochMs = job.writeDeadline ?? deadlineEpochMs + defaultWriteWindowMs;
  const deadline = startDeadline(deadlineEpochMs);
  const { signal } = deadline;
  const source: SourceObject = { ...job.source, bucket: job.source.bucket ?? deps.blobStore.bucket };
  // Keys are not logged: an uploader may have put a patient's name in a file name.
  const logger = deps.logger.child({ requestId: job.requestId, trigger: job.trigger });
  const stepContext: StepContext = { signal, logger };
  const minStepTimeMs = deps.minStepTimeMs ?? defaultMinStepTimeMs;
  // Carries the record id once it is known: up front when the event names the object's version.
  let log = (source.versionId ?? source.etag) ? logger.child({ recordId: recordIdFor(source) }) : logger;

  /** Runs one step: refused when too little time is left, timed, logged with its outcome. */
  const step = async <T>(name: PipelineStep, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    try {
      signal.throwIfAborted();
      const left = deadlineEpochMs - Date.now();
      if (left < minStepTimeMs) {
        throw new DeadlineExceededError(
          name,
          undefined,
          `too little time left for ${name}: ${Math.max(0, left)} ms, a step needs ${minStepTimeMs} ms`,
        );
      }
      const result = await timer.measure(name, work);
      log.info('step finished', { step: name, durationMs: durationMs() });
      return result;
    } catch (error) {
      const failure = asDdxError(error, name);
      log.warn('step failed', {
        step: failure.step ?? name,
        durationMs: durationMs(),
        code: failure.code,
        retriable: failure.retriable,
      });
      throw failure;
    }
  };

  const fields: RecordFields = {
    source,
    requestId: job.requestId,
    trigger: job.trigger,
    inputSha256: null,
    image: null,
    context: null,
    route: null,
    localization: null,
    classification: null,
    recommendation: null,
    billing: null,
  };
  let patient: PatientIdentifiers | undefined;
  let previous: InferenceRecord | undefined;
  let claim: { id: string; owner: string } | undefined;

  try {
    return await run();
  } finally {
    deadline.stop();
    if (claim) await releaseClaim(claim);
  }

  /** Bounded like the record's write: a hung store must not hold the job past its end. */
  async function releaseClaim({ id, owner }: { id: string; owner: string }): Promise<void> {
    const window = startDeadline(writeDeadlineEpochMs);
    try {
      await deps.resultStore.release(id, owner, { signal: window.signal });
    } catch {
      // The claim's lease expires on its own; the record is what matters.
    } finally {
      window.stop();
    }
  }

  async function run(): Promise<InferenceOutcome> {
    // An event that names the object's version lets a redelivery be answered before any work.
    if (source.versionId ?? source.etag) {
      previous = await deps.resultStore.get(recordIdFor(source), { signal });
      if (previous && isFinal(previous)) return reuse(previous);
    }

    const imageFetch = step(PipelineStep.fetchImage, () =>
      fetchImage(deps.blobStore, source.key, deps.limits, timer, stepContext),
    );
    // Awaited later; this keeps an early failure elsewhere from leaving it unhandled.
    imageFetch.catch(() => undefined);

    let context: ClinicalContext;
    let notes: DeidentifiedNotes | null = null;
    try {
      const loaded = await step(PipelineStep.loadContext, () =>
        loadContext(deps.blobStore, source.key, stepContext),
      );
      ({ context, patient } = loaded);
      source.etag ??= loaded.head.etag;
      source.versionId ??= loaded.head.versionId;
      notes = recordContext(context, loaded.patient);
    } catch (error) {
      deadline.cancel();
      await imageFetch.catch(() => undefined);
      return finish(RecordStatus.failed, asDdxError(error, PipelineStep.loadContext));
    }

    const id = recordIdFor(source);
    log = logger.child({ recordId: id });
    if (!previous) {
      previous = await deps.resultStore.get(id, { signal });
      if (previous && isFinal(previous)) {
        deadline.cancel();
        await imageFetch.catch(() => undefined);
        return reuse(previous);
      }
    }
    // Two deliveries of one object at once: only the claim holder runs the models. The lease
    // outlives this job's deadline, so it only expires for a run that died.
    const owner = `${job.requestId}:${randomUUID()}`;
    if (
      !(await deps.resultStore.claim(id, {
        owner,
        leaseMs: writeDeadlineEpochMs - Date.now() + claimGraceMs,
        signal,
      }))
    ) {
      deadline.cancel();
      await imageFetch.catch(() => undefined);
      log.info('another run holds this record: leaving it to that run', { step: PipelineStep.loadContext });
      throw new InProgressError(id);
    }
    claim = { id, owner };

    try {
      let route = await step(PipelineStep.route, async () => selectRoute(deps.routingTable, context));
      fields.route = route;
      log.info('route selected', { route: route.name, step: PipelineStep.route });

      // The prompt does not depend on the image: fetch it while the image downloads and decodes.
      const fetchPrompt = (name: string) => {
        const fetched = timer.measure('recommend.prompt', () => deps.promptSource.get(name, { signal }));
        fetched.catch(() => undefined);
        return fetched;
      };
      let promptFetch = fetchPrompt(route.prompt);

      const image = await imageFetch;
      if (image.dicom) {
        // DICOM tags fill what the metadata left out (body site, age, sex, identifiers): the route
        // is chosen again with them, and the prompt fetched again if the route changed.
        const merged = mergeDicomContext({ context, patient: patient ?? {} }, image.dicom);
        ({ context, patient } = merged);
        notes = recordContext(context, merged.patient);
        const rerouted = selectRoute(deps.routingTable, context);
        if (rerouted.name !== route.name) {
          route = rerouted;
          fields.route = route;
          log.info('route selected', { route: route.name, step: PipelineStep.route, from: 'dicom-tags' });
          promptFetch = fetchPrompt(route.prompt);
        }
      }
      fields.inputSha256 = image.sha256;
      fields.image = {
        format: image.format,
        width: image.image.width,
        height: image.image.height,
        bytes: image.bytes,
      };

      let classifierInput = image.image;
      let input: 'crop' | 'whole-image' = 'whole-image';
      const detectorId = route.detector;
      if (detectorId) {
        const localized = await step(PipelineStep.localize, async () =>
          localize(
            image.image,
            {
              detector: await deps.models.detector(detectorId),
              blobStore: deps.blobStore,
              cropPadding: deps.cropPadding,
              cropKey: `${deps.derivedPrefix}crops/${id}.jpg`,
              sourceKey: source.key,
              recordId: id,
            },
            timer,
            stepContext,
          ),
        );
        fields.localization = localized.localization;
        classifierInput = localized.classifierInput;
        input = localized.input;
        log.info('localized', {
          step: PipelineStep.localize,
          regions: localized.localization.detections.length,
          roiFound: input === 'crop',
        });
      }

      const { classifier, classification } = await step(PipelineStep.classify, async () => {
        const classifier = await deps.models.classifier(route.classifier);
        return {
          classifier,
          classification: await classify(classifier, classifierInput, input, id, timer, stepContext),
        };
      });
      fields.classification = classification;

      try {
        const request: RecommendationRequest = {
          findings: {
            classifier: classification.model,
            input,
            labels: classification.labels,
            lesionFound: detectorId ? input === 'crop' : null,
          },
          context: deidentify(context),
          notes: notes?.text ?? null,
          prompt: await promptFetch,
        };
        const outcome = await step(PipelineStep.recommend, () =>
          recommendWithFallback(deps.recommender, deps.knowledgeRecommender, request, stepContext),
        );
        traceGeneration(deps.generationTracer, id, request, outcome.failure ? null : outcome.recommendation);
        fields.recommendation = outcome.recommendation;
        fields.billing = suggestBilling({
          classification,
          card: classifier.card,
          recommendations: [outcome.knowledgeBase, outcome.recommendation].filter((item) => item !== null),
          codeTable: deps.codeTable,
          cptMapping: deps.cptMapping,
        });
        // The LLM failed: the clinician gets the findings and the knowledge base's recommendations.
        if (outcome.failure) return finish(RecordStatus.degraded, outcome.failure);
      } catch (error) {
        // Out of time: a retriable failure, so a redelivery gets the whole recommendation.
        const failure = asDdxError(error, PipelineStep.recommend);
        if (failure.code === ServiceErrorCode.deadlineExceeded) throw failure;
        // Even the offline recommendations failed: the findings stand alone, and the record says why.
        fields.billing = suggestBilling({
          classification,
          card: classifier.card,
          recommendations: [],
          codeTable: deps.codeTable,
          cptMapping: deps.cptMapping,
        });
        return finish(RecordStatus.degraded, failure);
      }
      return finish(RecordStatus.succeeded, null);
    } catch (error) {
      // Everything above runs inside `step`, so the error already names its step.
      return finish(RecordStatus.failed, asDdxError(error, PipelineStep.route));
    }
  }

  /** Records the de-identified context; returns the notes, scrubbed of the patient's identifiers. */
  function recordContext(
    context: ClinicalContext,
    identifiers: PatientIdentifiers,
  ): DeidentifiedNotes | null {
    const notes = deidentifyNotes(context.notes, identifiers);
    fields.context = {
      ...deidentify(context),
      notesProvided: context.notes !== null,
      notesRedactions: notes?.removed ?? null,
    };
    return notes;
  }

  function reuse(record: InferenceRecord): InferenceOutcome {
    logger.info('already processed: returning the stored record', {
      recordId: record.id,
      status: record.status,
    });
    return { record, reused: true };
  }

  async function finish(status: RecordStatus, error: DdxError | null): Promise<InferenceOutcome> {
    const id = recordIdFor(source);
    const timestamp = now().toISOString();
    const record: InferenceRecord = {
      id,
      schemaVersion: 1,
      status,
      ...fields,
      error: error
        ? {
            code: error.code,
            step: error.step ?? PipelineStep.persist,
            message: error.message,
            retriable: error.retriable,
          }
        : null,
      timings: timer.snapshot(),
      createdAt: previous?.createdAt ?? timestamp,
      updatedAt: timestamp,
    };
    // The write has its own deadline, after the job's: a step cut off by the job's deadline still
    // leaves a record, and a store too slow even for this window fails retriably, not mid-write.
    const window = startDeadline(writeDeadlineEpochMs);
    const persistStarted = performance.now();
    const saved = await deps.resultStore
      .save(record, { replacing: previous?.updatedAt, patient, signal: window.signal })
      .catch((failure: unknown) => {
        throw asDdxError(failure, PipelineStep.persist);
      })
      .finally(() => window.stop());
    const fieldsToLog = {
      recordId: id,
      status,
      code: error?.code,
      step: error?.step,
      retriable: error?.retriable,
      durationMs: record.timings.total,
      persistMs: Math.round(performance.now() - persistStarted),
    };
    if (!saved.written) {
      // Another delivery of the same object finished first: its record stands.
      logger.info('a concurrent run stored this record first', fieldsToLog);
      return { record: saved.existing, reused: true };
    }
    if (status === RecordStatus.failed) logger.warn('job failed', fieldsToLog);
    else logger.info('job finished', fieldsToLog);
    return { record, reused: false };
  }
}

/** Hands an LLM's generation to the tracer; the offline knowledge base is not traced. */
function traceGeneration(
  tracer: GenerationTracer | undefined,
  recordId: string,
  request: RecommendationRequest,
  recommendation: RecommendationRecord | null,
): void {
  if (!tracer || !recommendation || recommendation.provider === 'knowledge-base') return;
  const endTime = new Date();
  const { provider, model, prompt, usage, latencyMs, ...answer } = recommendation;
  tracer.record({
    recordId,
    provider,
    model,
    prompt,
    input: { findings: request.findings, context: request.context, notes: request.notes },
    output: answer,
    usage,
    startTime: new Date(endTime.getTime() - (latencyMs ?? 0)),
    endTime,
  });
}
