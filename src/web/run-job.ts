/**
 * One job for the web app: `runInference` for a stored object, its outcome as a reply. What
 * escapes runInference ended without a record: the store failed, or another run holds the object
 * (IN_PROGRESS).
 */
import { PipelineStep } from '../errors.js';
import type { Job, PipelineDeps } from '../pipeline/pipeline-deps.js';
import { runInference } from '../pipeline/run-inference.js';
import { type Reply, replyForOutcome, replyForThrownError } from './inference-reply.js';

/** `source` names the version an upload stored, so the job reads it whatever lands on the key since. */
export async function runJob(deps: PipelineDeps, source: Job['source'], requestId: string): Promise<Reply> {
  const job: Job = { source, requestId, trigger: 'http' };
  try {
    return replyForOutcome(await runInference(job, deps));
  } catch (error) {
    return replyForThrownError(error, PipelineStep.persist);
  }
}
