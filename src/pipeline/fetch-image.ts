/**
 * Step 2: download the image (size-capped) and decode it safely, a large photo shrunk on load to
 * the working size (`defaultWorkingMaxSide`), with its crops cut later at full resolution. A DICOM file must come from a
 * modality that images skin (a photograph, dermoscopy): a CT or MR slice would otherwise get a
 * confident skin diagnosis from models that have never seen one.
 */
import { createHash } from 'node:crypto';
import type { Box, DecodedImage } from '../domain.js';
import { BadInputError, InputErrorCode, PipelineStep } from '../errors.js';
import { cropImage } from '../imaging/crop.js';
import { type DecodeResult, decodeImage, decodeRegion } from '../imaging/decode-image.js';
import { preloadSharp } from '../imaging/sharp-library.js';
import type { StepTimer } from '../observability/step-timer.js';
import type { BlobStore, ObjectVersion } from '../ports.js';
import type { PipelineDeps, StepContext } from './pipeline-deps.js';

const defaultMinImageSide = 32;
/**
 * The longest side a photo is decoded at: enough for every model input (a detector's 640 px, a
 * classifier's 224 px) and for remote payloads sized to them. Crops are cut at full resolution
 * from the bytes (`crop`), so only they pay for the camera's resolution.
 */
export const defaultWorkingMaxSide = 1280;
/** External-camera photography, dermoscopy, general microscopy, other (secondary captures). */
export const defaultDicomModalities: readonly string[] = ['XC', 'DMS', 'GM', 'OT'];

export interface FetchedImage extends DecodeResult {
  bytes: number;
  sha256: string;
  /** `box` (upright pixels of the original) at full resolution, whatever size `image` was decoded at. */
  crop(box: Box): Promise<DecodedImage>;
}

export async function fetchImage(
  blobStore: BlobStore,
  key: string,
  version: ObjectVersion | undefined,
  limits: PipelineDeps['limits'],
  timer: StepTimer,
  step: StepContext,
): Promise<FetchedImage> {
  const download = timer.measure('fetch-image.download', () =>
    blobStore.get(key, { maxBytes: limits.maxImageBytes, signal: step.signal, version }),
  );
  // A cold process loads the decoder's library while the bytes are on their way.
  preloadSharp();
  const bytes = await download;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  step.signal.throwIfAborted();
  const decodeLimits = {
    maxPixels: limits.maxImagePixels,
    minSide: limits.minImageSide ?? defaultMinImageSide,
    maxSide: limits.workingMaxSide ?? defaultWorkingMaxSide,
    budget: limits.decodeBudget,
  };
  const decoded = await timer.measure('fetch-image.decode', () => decodeImage(bytes, decodeLimits));
  const modality = decoded.dicom?.modality;
  const accepted = limits.dicomModalities ?? defaultDicomModalities;
  if (modality !== undefined && !accepted.includes(modality)) {
    throw new BadInputError(
      `DICOM modality ${modality} is not an image of skin (accepted: ${accepted.join(', ')})`,
      InputErrorCode.unsupportedModality,
      PipelineStep.fetchImage,
    );
  }
  const shrunk = decoded.image.width !== decoded.original.width;
  return {
    ...decoded,
    bytes: bytes.length,
    sha256,
    crop: shrunk
      ? (box) => decodeRegion(bytes, box, decodeLimits)
      : async (box) => cropImage(decoded.image, box),
  };
}
