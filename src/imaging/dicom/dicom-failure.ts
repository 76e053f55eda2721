/**
 * The two ways a DICOM upload is refused: it is broken (CORRUPT_IMAGE) or it is valid but encoded
 * in a way this service does not decode (UNSUPPORTED_FORMAT). Messages are one line and never
 * quote tag values, which may identify a patient.
 */
import { BadInputError, InputErrorCode, PipelineStep } from '../../errors.js';

export function corruptDicom(problem: string, cause?: unknown): BadInputError {
  return new BadInputError(
    `the DICOM file is truncated or malformed: ${problem}`,
    InputErrorCode.corruptImage,
    PipelineStep.fetchImage,
    cause,
  );
}

export function unsupportedDicom(problem: string): BadInputError {
  return new BadInputError(
    `unsupported DICOM image: ${problem}`,
    InputErrorCode.unsupportedFormat,
    PipelineStep.fetchImage,
  );
}

/** dicom-parser and the codecs throw strings, `{ exception }` objects and Errors: one line of any. */
export function thrownMessage(thrown: unknown): string {
  const raw =
    typeof thrown === 'string'
      ? thrown
      : thrown instanceof Error
        ? thrown.message
        : typeof thrown === 'object' && thrown !== null && 'exception' in thrown
          ? String(thrown.exception)
          : String(thrown);
  return raw.split('\n')[0]?.trim() || 'unknown parser error';
}
