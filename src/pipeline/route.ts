/**
 * Step 3: the routing table's first route that matches the clinical context (rules and reasons:
 * clinical/routing-table.ts), and its prompt, fetched from here on: the prompt does not depend on
 * the image, so it downloads while the image downloads and decodes. DICOM tags known only after
 * decoding may change the route; its prompt is then fetched again.
 */

import { type PredictedExtent, selectRoute } from '../clinical/routing-table.js';
import type { ClinicalContext, Prompt } from '../domain.js';
import { PipelineStep } from '../errors.js';
import type { RouteDecision } from '../record.js';
import type { JobContext, PipelineDeps } from './pipeline-deps.js';

export interface ChosenRoute {
  decision: RouteDecision;
  /** The route's prompt, in flight; awaited by the recommend step. */
  prompt: Promise<Prompt>;
}

export async function chooseRoute(
  context: ClinicalContext,
  deps: PipelineDeps,
  job: JobContext,
): Promise<ChosenRoute> {
  const decision = await job.step(PipelineStep.route, async () => selectRoute(deps.routingTable, context));
  job.logger.info('route selected', { route: decision.name, step: PipelineStep.route });
  return { decision, prompt: fetchPrompt(decision.prompt, deps, job) };
}

/**
 * The route again, with the context DICOM tags completed or the extent the image suggested; the
 * same route keeps its prompt fetch.
 */
export function reroute(
  chosen: ChosenRoute,
  context: ClinicalContext,
  deps: PipelineDeps,
  job: JobContext,
  predicted?: PredictedExtent,
): ChosenRoute {
  const decision = selectRoute(deps.routingTable, context, predicted);
  if (predicted && decision.name === chosen.decision.name) return { ...chosen, decision };
  if (decision.name === chosen.decision.name) return chosen;
  job.logger.info('route selected', {
    route: decision.name,
    step: PipelineStep.route,
    from: predicted ? 'image' : 'dicom-tags',
  });
  return { decision, prompt: fetchPrompt(decision.prompt, deps, job) };
}

function fetchPrompt(name: string, deps: PipelineDeps, job: JobContext): Promise<Prompt> {
  const fetched = job.timer.measure('recommend.prompt', () =>
    deps.promptSource.get(name, { signal: job.signal }),
  );
  // Awaited later, or never when the route changes: an early failure must not go unhandled.
  fetched.catch(() => undefined);
  return fetched;
}
