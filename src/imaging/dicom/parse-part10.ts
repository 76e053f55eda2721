/**
 * Parses a DICOM Part 10 file (128-byte preamble, "DICM", file meta group, data set) with
 * dicom-parser. dicom-parser reads lengths as offsets into the bytes it was given and allocates
 * nothing from them, except when it inflates a Deflated data set: that is done here, with a cap,
 * so a few kilobytes cannot inflate to gigabytes.
 */
import { inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser';
import { BadInputError, InputErrorCode, PipelineStep } from '../../errors.js';
import { corruptDicom, thrownMessage } from './dicom-failure.js';

export interface ParseLimits {
  /** The most bytes a Deflated data set may inflate to. */
  maxInflatedBytes: number;
}

export function parsePart10(bytes: Uint8Array, limits: ParseLimits): DataSet {
  // dicom-parser may wrap what the inflater throws: keep the typed error to rethrow it as is.
  let inflateFailure: BadInputError | undefined;
  const inflater = (byteArray: Uint8Array, position: number): Uint8Array => {
    try {
      const inflated = inflateRawSync(byteArray.subarray(position), {
        maxOutputLength: limits.maxInflatedBytes,
      });
      const whole = new Uint8Array(position + inflated.length);
      whole.set(byteArray.subarray(0, position));
      whole.set(inflated, position);
      return whole;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        inflateFailure = new BadInputError(
          `the deflated DICOM data set inflates to more than ${limits.maxInflatedBytes} bytes (possible decompression bomb)`,
          InputErrorCode.imageTooLarge,
          PipelineStep.fetchImage,
          error,
        );
      } else {
        inflateFailure = corruptDicom(
          `the deflated data set cannot be inflated (${thrownMessage(error)})`,
          error,
        );
      }
      throw inflateFailure;
    }
  };
  try {
    // The type says the inflater returns nothing; dicom-parser reads the bytes it returns.
    return dicomParser.parseDicom(bytes, {
      inflater: inflater as unknown as (array: Uint8Array, position: number) => void,
    });
  } catch (error) {
    if (inflateFailure) throw inflateFailure;
    throw corruptDicom(thrownMessage(error), error);
  }
}
