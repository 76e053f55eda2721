/**
 * Step 2: download the image (size-capped) and decode it safely.
 */
import { createHash } from 'node:crypto';
import { type DecodeResult, decodeImage } from '../imaging/decode-image.js';
import type { StepTimer } from '../observability/step-timer.js';
import type { BlobStore } from '../ports.js';
import type { PipelineDeps, StepContext } from './pipeline-deps.js';

const defaultMinImageSide = 32;

export interface FetchedImage extends DecodeResult {
  bytes: number;
  sha256: string;
}

export async function fetchImage(
  blobStore: BlobStore,
  key: string,
  limits: PipelineDeps['limits'],
  timer: StepTimer,
  step: StepContext,
): Promise<FetchedImage> {
  const bytes = await timer.measure('fetch-image.download', () =>
    blobStore.get(key, { maxBytes: limits.maxImageBytes, signal: step.signal }),
  );
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  step.signal.throwIfAborted();
  const decoded = await timer.measure('fetch-image.decode', () =>
    decodeImage(bytes, {
      maxPixels: limits.maxImagePixels,
      minSide: limits.minImageSide ?? defaultMinImageSide,
    }),
  );
  return { ...decoded, bytes: bytes.length, sha256 };
}
