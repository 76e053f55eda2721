/**
 * Step 5a's image measurements, started as soon as the image is decoded: they need neither model,
 * so they run while the detector and the classifier do (sharp's resize on libuv's pool, the pixel
 * passes while inference runs on ONNX Runtime's threads). Timed as `assess.measure-image`.
 */
import { type ImageMeasures, measureImage } from '../assessment/image-measures.js';
import type { DecodedImage } from '../domain.js';
import type { JobContext } from './pipeline-deps.js';

export function startImageMeasures(image: DecodedImage, job: JobContext): Promise<ImageMeasures> {
  const measures = job.timer.measure('assess.measure-image', () => measureImage(image));
  // Awaited by the assessment; a job that fails before it must not leave a rejection unhandled.
  measures.catch(() => undefined);
  return measures;
}
