/**
 * What one decode may cost beyond its pixel count: a hostile file can stay inside the size limits
 * and still claim 16 components, thousands of progressive scans or a codestream that takes minutes
 * to decode. Headers are checked against these first; what passes is decoded with a deadline (and,
 * for the WebAssembly codecs, a memory cap in a worker that is terminated when either runs out).
 */
import { BadInputError, InputErrorCode, PipelineStep } from '../errors.js';
import { jpegScanCount } from './jpeg-scans.js';

export interface DecodeBudget {
  /** Wall-clock time one decode may take before it is abandoned (the worker is terminated). */
  timeoutMs: number;
  /** Memory one WebAssembly/JavaScript codec may take (its heap and its WebAssembly memory). */
  memoryMb: number;
  /** Most scans a JPEG may have: a progressive JPEG decodes every coefficient once per scan. */
  maxJpegScans: number;
}

export const defaultDecodeBudget: DecodeBudget = { timeoutMs: 20_000, memoryMb: 512, maxJpegScans: 100 };

/**
 * The largest JPEG 2000 structures accepted: DICOM images have 1 or 3 components; no real photo
 * needs more tiles or decomposition levels than these, and each one multiplies the codec's work.
 */
export const jpeg2000Limits = { maxComponents: 4, maxTiles: 4096, maxLevels: 12, maxBitDepth: 16 } as const;

/** DICOM: only the first frame is decoded, but a file claiming more is refused before parsing on. */
export const maxDicomFrames = 10_000;

/** The refusal: the input is valid enough to read but would cost more than the budget allows. */
export function imageTooComplex(problem: string, cause?: unknown): BadInputError {
  return new BadInputError(
    `the image is too complex to decode safely: ${problem}`,
    InputErrorCode.imageTooComplex,
    PipelineStep.fetchImage,
    cause,
  );
}

/** A progressive JPEG with more scans than the budget is refused from its markers, before libjpeg. */
export function assertJpegScansWithinBudget(bytes: Uint8Array, budget: DecodeBudget): void {
  const scans = jpegScanCount(bytes, budget.maxJpegScans);
  if (scans > budget.maxJpegScans) {
    throw imageTooComplex(
      `the JPEG has more than ${budget.maxJpegScans} scans (the limit is ${budget.maxJpegScans})`,
    );
  }
}

/** sharp's timeout is in whole seconds (0 would mean none). */
export const sharpTimeoutSeconds = (budget: DecodeBudget): number =>
  Math.max(1, Math.ceil(budget.timeoutMs / 1000));

/** libvips stops a pipeline past sharp's `timeout()` with "timeout: N% complete". */
export function isSharpTimeout(error: unknown): boolean {
  return error instanceof Error && /^timeout: \d+% complete/.test(error.message);
}
