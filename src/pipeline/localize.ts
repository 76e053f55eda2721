/**
 * Step 4 (localized routes): detect lesions, pick the region of interest, crop it with padding and
 * save the crop under the derived prefix. With no detection the whole image is classified, and the
 * record says so; a route without a detector classifies the whole image and has no localization.
 * The crop's encode and save run beside classification (`cropSaved`, awaited by step 5). The
 * detector may see the image decoded smaller (fetch-image.ts): boxes are reported, and the crop
 * cut, in the original's pixels.
 */

import type { DecodedImage, Detection } from '../domain.js';
import { asDdxError, PipelineStep } from '../errors.js';
import { cropImage, encodeJpeg, padBox } from '../imaging/crop.js';
import type { StepTimer } from '../observability/step-timer.js';
import type { BlobStore, Detector } from '../ports.js';
import type { Localization, RouteDecision } from '../record.js';
import type { FetchedImage } from './fetch-image.js';
import type { JobContext, PipelineDeps, StepContext } from './pipeline-deps.js';

export interface LocalizeResult {
  localization: Localization;
  /** What the classifier should see: the crop, or the whole image when nothing was found. */
  classifierInput: DecodedImage;
  input: 'crop' | 'whole-image';
  /**
   * The crop's encode and save, started beside classification; a failure names step 4. Step 5
   * awaits it before its result counts, so a record never names a crop that was not stored.
   */
  cropSaved?: Promise<void>;
}

/** What step 5 classifies: the crop, or the whole image (`localization` null without a detector). */
export interface RegionToClassify extends Omit<LocalizeResult, 'localization'> {
  localization: Localization | null;
}

export async function regionToClassify(
  image: DecodedImage,
  route: RouteDecision,
  deps: PipelineDeps,
  job: JobContext,
  full?: FullResolution,
): Promise<RegionToClassify> {
  const detectorId = route.detector;
  if (!detectorId) return { localization: null, classifierInput: image, input: 'whole-image' };
  const localized = await job.step(PipelineStep.localize, async () =>
    localize(
      image,
      {
        detector: await deps.models.detector(detectorId),
        blobStore: deps.blobStore,
        cropPadding: deps.cropPadding,
        cropKey: `${deps.derivedPrefix}crops/${job.recordId}.jpg`,
        sourceKey: job.sourceKey,
        recordId: job.recordId,
        // Step 5 reports a classifier that cannot be loaded; here it only sizes the crop.
        classifierInputSize: (await deps.models.classifier(route.classifier).catch(() => undefined))?.card
          .input,
      },
      job.timer,
      job,
      full,
    ),
  );
  job.logger.info('localized', {
    step: PipelineStep.localize,
    regions: localized.localization.detections.length,
    roiFound: localized.input === 'crop',
  });
  return localized;
}

/**
 * The image at its own resolution, when the one the detector sees was decoded smaller: its size,
 * which boxes are reported in, and crops cut from it (fetch-image.ts).
 */
export type FullResolution = Pick<FetchedImage, 'original' | 'crop'>;

export interface LocalizeSettings {
  detector: Detector;
  blobStore: BlobStore;
  cropPadding: number;
  cropKey: string;
  sourceKey: string;
  recordId: string;
  /** The route's classifier's input size: a crop cut from the decoded pixels serves it when it covers this. */
  classifierInputSize?: { width: number; height: number };
}

/**
 * The most confident detection; the larger box breaks a tie. From a lesion mask, the largest
 * region: its mean probability says less than its size does.
 */
export function pickRegionOfInterest(detections: readonly Detection[]): Detection | undefined {
  return [...detections].sort(
    (a, b) =>
      (b.mask?.areaFraction ?? 0) - (a.mask?.areaFraction ?? 0) ||
      b.confidence - a.confidence ||
      b.box.width * b.box.height - a.box.width * a.box.height,
  )[0];
}

export async function localize(
  image: DecodedImage,
  settings: LocalizeSettings,
  timer: StepTimer,
  step: StepContext,
  full: FullResolution = {
    original: { width: image.width, height: image.height },
    crop: async (box) => cropImage(image, box),
  },
): Promise<LocalizeResult> {
  const { detector } = settings;
  const found = await timer.measure('localize.inference', () =>
    detector.detect(image, { signal: step.signal, recordId: settings.recordId }),
  );
  // Boxes in the original's pixels, as the record reports them and the crop is cut.
  const detections = found.map(
    toScale(full.original.width / image.width, full.original.height / image.height),
  );
  const detectorIdentity = {
    id: detector.card.id,
    version: detector.card.version,
    status: detector.card.status,
  };
  const recorded = detections.map(roundDetection);

  const roi = pickRegionOfInterest(detections);
  if (!roi) {
    return {
      localization: {
        detector: detectorIdentity,
        detections: [],
        roi: null,
        cropKey: null,
        note: 'no lesion detected above the confidence threshold: the whole image was classified',
      },
      classifierInput: image,
      input: 'whole-image',
    };
  }

  const { width, height } = full.original;
  const paddedBox = padBox(roi.box, settings.cropPadding, width, height);
  // The classifier resizes its input to its card's size: the region cut from the decoded pixels
  // serves when it still covers that size; only the stored crop needs full resolution, and it is
  // decoded beside classification.
  const decodedBox = padBox(
    toScale(image.width / width, image.height / height)({ ...roi, box: paddedBox }).box,
    0,
    image.width,
    image.height,
  );
  const size = settings.classifierInputSize;
  const shrunk = image.width !== width || image.height !== height;
  const fromDecoded =
    !shrunk || (size !== undefined && decodedBox.width >= size.width && decodedBox.height >= size.height);
  const classifierInput = fromDecoded
    ? cropImage(image, decodedBox)
    : await timer.measure('localize.crop-decode', () => full.crop(paddedBox));
  const cropSaved = timer
    .measure('localize.save-crop', async () => {
      const stored =
        fromDecoded && decodedBox.width !== paddedBox.width ? await full.crop(paddedBox) : classifierInput;
      const jpeg = await encodeJpeg(stored);
      await settings.blobStore.put(settings.cropKey, jpeg, {
        contentType: 'image/jpeg',
        // Values are URL-encoded: S3 user metadata must be ASCII, keys may not be.
        metadata: { 'source-key': encodeURIComponent(settings.sourceKey), 'record-id': settings.recordId },
        signal: step.signal,
      });
    })
    .catch((error: unknown) => {
      const failure = asDdxError(error, PipelineStep.localize);
      step.logger.warn('crop save failed', { step: PipelineStep.localize, code: failure.code });
      throw failure;
    });
  // Awaited by step 5; a failure of classification first must not leave it unhandled.
  cropSaved.catch(() => undefined);
  return {
    localization: {
      detector: detectorIdentity,
      detections: recorded,
      roi: { ...roundDetection(roi), paddedBox },
      cropKey: settings.cropKey,
      note: `${detections.length} region(s) detected; the ${roi.mask ? 'largest masked' : 'most confident'} one was cropped with ${Math.round(settings.cropPadding * 100)}% padding and classified`,
    },
    classifierInput,
    input: 'crop',
    cropSaved,
  };
}

function toScale(scaleX: number, scaleY: number): (detection: Detection) => Detection {
  if (scaleX === 1 && scaleY === 1) return (detection) => detection;
  return ({ box, ...rest }) => ({
    ...rest,
    box: { x: box.x * scaleX, y: box.y * scaleY, width: box.width * scaleX, height: box.height * scaleY },
  });
}

function roundDetection(detection: Detection): Detection {
  const round = (value: number) => Math.round(value * 10) / 10;
  const { x, y, width, height } = detection.box;
  const { mask } = detection;
  return {
    label: detection.label,
    confidence: Math.round(detection.confidence * 10_000) / 10_000,
    box: { x: round(x), y: round(y), width: round(width), height: round(height) },
    ...(mask && {
      mask: {
        areaFraction: Math.round(mask.areaFraction * 10_000) / 10_000,
        borderIrregularity: Math.round(mask.borderIrregularity * 1000) / 1000,
      },
    }),
  };
}
