/**
 * The whole flow of DESIGN.md section 1 for one uploaded object, independent of how it was
 * triggered: the Lambda handler, the CLI and the HTTP server all call this. The steps live one per
 * file beside it (docs/architecture.md); the redelivery protocol is record-session.ts.
 *
 * ```
 * load-context ─┐                       ┌─ prompt fetch ──────────────┐
 *               ├─ route ───────────────┤                             ├─ recommend ─ persist
 * fetch-image ──┘ (overlapped)          └─ localize ─ classify ───────┘
 * ```
 */
import { PipelineStep } from '../errors.js';
import { analyse, failedBeforeAnalysis } from './analyse.js';
import { fetchImage } from './fetch-image.js';
import { type LoadedContext, loadContext } from './load-context.js';
import type { InferenceOutcome, Job, PipelineDeps } from './pipeline-deps.js';
import { RecordSession } from './record-session.js';

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
    // A redelivery of a version already finished is answered before any work.
    const stored = await session.finishedRecord();
    if (stored) return session.reuse(stored);

    // 1 load context and 2 fetch image read one exact version (DESIGN.md section 1). With the
    // version known (an event, an upload), they overlap and the download starts first; a job that
    // names only a key reads the head first, so the download is of the version the head found.
    const { key } = session.source;
    const known = session.knownVersion();
    let loaded: LoadedContext | undefined;
    if (!known) {
      try {
        loaded = await session.step(PipelineStep.loadContext, () =>
          loadContext(deps.blobStore, key, undefined, session),
        );
      } catch (error) {
        return await session.save(failedBeforeAnalysis(error, PipelineStep.loadContext));
      }
    }
    const version = known ?? { versionId: loaded?.head.versionId, etag: loaded?.head.etag };
    const imageFetch = session.startStep(PipelineStep.fetchImage, () =>
      fetchImage(deps.blobStore, key, version, deps.limits, session.timer, session),
    );
    try {
      loaded ??= await session.step(PipelineStep.loadContext, () =>
        loadContext(deps.blobStore, key, version, session),
      );
    } catch (error) {
      await session.abandon(imageFetch);
      return await session.save(failedBeforeAnalysis(error, PipelineStep.loadContext));
    }

    // The head names the object's version: a finished record answers, else this run claims it.
    const finished = await session.identify(loaded.head);
    if (finished) {
      await session.abandon(imageFetch);
      return session.reuse(finished);
    }
    if (!(await session.claim())) {
      await session.abandon(imageFetch);
      throw session.heldElsewhere();
    }

    // 3 route, 4 localize, 5 classify, 5a assess, 6 recommend and billing: the findings.
    const analysis = await analyse(loaded, imageFetch, deps, session);
    // 7 persist: one record per exact object version.
    return await session.save(analysis);
  } finally {
    await session.close();
  }
}
