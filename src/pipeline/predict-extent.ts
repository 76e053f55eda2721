/**
 * Step 3, when the context gives no extent: the image decides (issue 10 item 4). The routing
 * table's extent model answers when it names one; otherwise the rule on the detector's output: a
 * single lesion photo has one region the detector is sure of, a rash has none it is that sure of.
 */
import type { PredictedExtent, RoutingTable } from '../clinical/routing-table.js';
import type { DecodedImage } from '../domain.js';
import type { JobContext, PipelineDeps } from './pipeline-deps.js';

export async function predictExtent(
  image: DecodedImage,
  table: RoutingTable,
  deps: PipelineDeps,
  job: JobContext,
): Promise<PredictedExtent | undefined> {
  const prediction = table.extentPrediction;
  if (!prediction) return undefined;
  const options = { signal: job.signal, recordId: job.recordId };
  return job.timer.measure('route.predict-extent', async () => {
    if (prediction.model) {
      const model = await deps.models.classifier(prediction.model);
      const [top] = await model.classify(image, options);
      const extent = top?.label === 'widespread' ? 'widespread' : 'localized';
      return {
        extent,
        by: 'model' as const,
        reason: `${model.card.id} ${model.card.version} gave ${top?.label ?? 'nothing'} ${Math.round((top?.probability ?? 0) * 100)}%`,
      };
    }
    const detector = await deps.models.detector(prediction.detector);
    const detections = await detector.detect(image, options);
    const best = Math.max(0, ...detections.map((detection) => detection.confidence));
    const threshold = prediction.localizedMinConfidence;
    const percent = (value: number) => `${Math.round(value * 100)}%`;
    return best >= threshold
      ? {
          extent: 'localized',
          by: 'rule',
          reason: `${detector.card.id} found a region at ${percent(best)}, at least ${percent(threshold)}`,
        }
      : {
          extent: 'widespread',
          by: 'rule',
          reason:
            detections.length === 0
              ? `${detector.card.id} found no single lesion`
              : `${detector.card.id}'s most confident region is ${percent(best)}, below ${percent(threshold)}: no single lesion stands out`,
        };
  });
}
