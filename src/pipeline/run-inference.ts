/**
 * The whole flow of DESIGN.md section 1 for one uploaded object, independent of how it was
 * triggered: the Lambda handler, the CLI and the HTTP server all call this. The steps live one per
 * file beside it (docs/architecture.md); the redelivery protocol is record-session.ts.
 *
 * ```
 * lookup ─ claim ┐ (when the event names the version)
 * load-context ──┤                       ┌─ prompt fetch ───────────────────────┐
 *                ├─ route ───────────────┤                                      ├─ recommend ─ persist
 * fetch-image ───┘ (overlapped)          └─ localize ─┬─ classify ──────────────┘
 *                                                     └─ crop encode and save ┘
 * ```
 */
import { PipelineStep } from '../errors.js';
import type { ObjectVersion } from '../ports.js';
import { analyse, failedBeforeAnalysis } from './analyse.js';
import { fetchImage } from './fetch-image.js';
import { type LoadedContext, loadContext } from './load-context.js';
import type { InferenceOutcome, Job, PipelineDeps } from './pipeline-deps.js';
import { type Admission, RecordSession } from './record-session.js';

/**
 * Runs one job to one record: `succeeded`, `degraded` (findings kept although the recommendation
 * failed) or `failed` (with the error's code, step and retriable flag). Only a failure to store
 * the record itself, or another run holding the object's claim (`InProgressError`), escapes as an
 * exception, so the caller can retry later.
 *
 * @example
 * const deps = await composeDependencies(loadConfig());
 * const { record, reused } = await runInference(
 *   { source: { key: 'uploads/a.jpg' }, requestId: 'r1', trigger: 'cli' },
 *   deps,
 * );
 * console.log(record.status, record.classification?.labels[0], reused);
 */
export async function runInference(job: Job, deps: PipelineDeps): Promise<InferenceOutcome> {
  const session = new RecordSession(job, deps);
  try {
    // 1 load context and 2 fetch image read one exact version (DESIGN.md section 1). When the job
    // names it (an event, an upload), they start together, and with them the record lookup and the
    // claim: the download waits for nothing. A job that names only a key reads the head first, so
    // the download is of the version the head found, never a newer upload's bytes.
    const { key } = session.source;
    const known = session.knownVersion();
    const contextLoad = session.startStep(PipelineStep.loadContext, () =>
      loadContext(deps.blobStore, key, known, session),
    );
    const download = (version: ObjectVersion | undefined) =>
      session.step(PipelineStep.fetchImage, () =>
        fetchImage(deps.blobStore, key, version, deps.limits, session.timer, session),
      );
    const imageFetch = known
      ? download(known)
      : contextLoad.then(({ head }) => download({ versionId: head.versionId, etag: head.etag }));
    imageFetch.catch(() => undefined);
    const early = session.admitEarly();
    if (early) {
      // A redelivery of a version already finished is answered before the object is read.
      const admission = await early.catch(async (error: unknown) => {
        await session.abandon(imageFetch, contextLoad);
        throw error;
      });
      if (admission.kind !== 'claimed') return await stopEarly(admission);
    }
    let loaded: LoadedContext;
    try {
      loaded = await contextLoad;
    } catch (error) {
      await session.abandon(imageFetch);
      return await session.save(failedBeforeAnalysis(error, PipelineStep.loadContext));
    }

    // The head names the object's version: a finished record answers, else this run claims it.
    const admission = await session.identify(loaded.head).catch(async (error: unknown) => {
      await session.abandon(imageFetch);
      throw error;
    });
    if (admission.kind !== 'claimed') return await stopEarly(admission);

    // 3 route, 4 localize, 5 classify, 5a assess, 6 recommend and billing: the findings.
    const analysis = await analyse(loaded, imageFetch, deps, session);
    // 7 persist: one record per exact object version.
    return await session.save(analysis);

    /** The record is finished (answered as it is) or another run holds it (retried later). */
    async function stopEarly(refusal: Exclude<Admission, { kind: 'claimed' }>): Promise<InferenceOutcome> {
      await session.abandon(imageFetch, contextLoad);
      if (refusal.kind === 'finished') return session.reuse(refusal.record);
      throw session.heldElsewhere();
    }
  } finally {
    await session.close();
  }
}
