/**
 * Step 2: download the image (size-capped) and decode it safely. A DICOM file must come from a
 * modality that images skin (a photograph, dermoscopy): a CT or MR slice would otherwise get a
 * confident skin diagnosis from models that have never seen one.
 */
import { createHash } from 'node:crypto';
import { BadInputError, InputErrorCode, PipelineStep } from '../errors.js';
import { type DecodeResult, decodeImage } from '../imaging/decode-image.js';
import type { StepTimer } from '../observability/step-timer.js';
import type { BlobStore, ObjectVersion } from '../ports.js';
import type { PipelineDeps, StepContext } from './pipeline-deps.js';

const defaultMinImageSide = 32;
/** External-camera photography, dermoscopy, general microscopy, other (secondary captures). */
export const defaultDicomModalities: readonly string[] = ['XC', 'DMS', 'GM', 'OT'];

export interface FetchedImage extends DecodeResult {
  bytes: number;
  sha256: string;
}

export async function fetchImage(
  blobStore: BlobStore,
  key: string,
  version: ObjectVersion | undefined,
  limits: PipelineDeps['limits'],
  timer: StepTimer,
  step: StepContext,
): Promise<FetchedImage> {
  const bytes = await timer.measure('fetch-image.download', () =>
    blobStore.get(key, { maxBytes: limits.maxImageBytes, signal: step.signal, version }),
  );
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  step.signal.throwIfAborted();
  const decoded = await timer.measure('fetch-image.decode', () =>
    decodeImage(bytes, {
      maxPixels: limits.maxImagePixels,
      minSide: limits.minImageSide ?? defaultMinImageSide,
    }),
  );
  const modality = decoded.dicom?.modality;
  const accepted = limits.dicomModalities ?? defaultDicomModalities;
  if (modality !== undefined && !accepted.includes(modality)) {
    throw new BadInputError(
      `DICOM modality ${modality} is not an image of skin (accepted: ${accepted.join(', ')})`,
      InputErrorCode.unsupportedModality,
      PipelineStep.fetchImage,
    );
  }
  return { ...decoded, bytes: bytes.length, sha256 };
}
