/**
 * Decodes the first frame of a DICOM Part 10 file to the same 8-bit RGB image every other format
 * becomes, and returns the clinical facts and patient identifiers its tags carry:
 *
 * ```
 * parse (bounded) -> Image Pixel module -> size limits from Rows x Columns -> first frame's bytes
 *   -> samples (native, RLE, JPEG family) -> grey: rescale, VOI window, MONOCHROME1 inverted
 *                                         -> colour: RGB, YBR, palette
 * ```
 *
 * @example
 * const { image, dicom } = await decodeDicom(bytes, { maxPixels: 50e6, minSide: 32 });
 * // dicom.context.bodySite === 'thorax'; dicom.patient is never logged nor sent to a model
 */
import type { DataSet } from 'dicom-parser';
import type { DecodedImage, DicomInstanceReference } from '../../domain.js';
import { defaultDecodeBudget, imageTooComplex, maxDicomFrames } from '../decode-budget.js';
import { assertLargeEnough, assertWithinPixelLimit, type DecodeLimits } from '../pixel-limits.js';
import { colourToRgb, paletteToRgb } from './colour-to-rgb.js';
import { decodeFrame } from './decode-frame.js';
import { type DicomClinicalFacts, dicomClinicalContext } from './dicom-clinical-context.js';
import { corruptDicom, unsupportedDicom } from './dicom-failure.js';
import { dicomInstanceReference } from './dicom-instance.js';
import { encapsulatedFirstFrame, nativeFirstFrame } from './first-frame.js';
import { greyToRgb } from './grey-to-rgb.js';
import { readImagePixelModule, Tag } from './image-pixel-module.js';
import { parsePart10 } from './parse-part10.js';
import { describeTransferSyntax, PixelEncoding, transferSyntaxOf } from './transfer-syntax.js';

export interface DicomFacts extends DicomClinicalFacts {
  /** The transfer syntax UID the pixel data was encoded with. */
  transferSyntax: string;
  /** Modality (0008,0060), upper-cased: `XC` for a photograph, `CT`, `MR`...; absent when unstated. */
  modality?: string;
  /** The UIDs a DICOM SR references the analysed instance by; null when the file lacks them. */
  instance: DicomInstanceReference | null;
}

export interface DicomDecodeResult {
  image: DecodedImage;
  dicom: DicomFacts;
}

/** Room for a data set's other elements beside the largest pixel data the limits allow. */
const inflationHeadroomBytes = 16 * 1024 * 1024;
const maxInflatedBytes = 512 * 1024 * 1024;

export async function decodeDicom(bytes: Uint8Array, limits: DecodeLimits): Promise<DicomDecodeResult> {
  const dataSet = parsePart10(bytes, {
    maxInflatedBytes: Math.min(limits.maxPixels * 6 + inflationHeadroomBytes, maxInflatedBytes),
  });
  const uid = (dataSet.string(Tag.transferSyntax) ?? '').replace(/\0/g, '').trim();
  if (!uid) throw corruptDicom('the file meta group has no Transfer Syntax UID (0002,0010)');
  const syntax = transferSyntaxOf(uid);
  if (!syntax) throw unsupportedDicom(`transfer syntax ${describeTransferSyntax(uid)}`);
  if (!dataSet.elements[Tag.pixelData]) throw corruptDicom('it has no Pixel Data (7FE0,0010)');

  const module = readImagePixelModule(dataSet);
  if (module.numberOfFrames > maxDicomFrames) {
    throw imageTooComplex(
      `the DICOM file claims ${module.numberOfFrames} frames (the limit is ${maxDicomFrames})`,
    );
  }
  assertWithinPixelLimit(module.columns, module.rows, limits);
  assertLargeEnough(module.columns, module.rows, limits);

  const native =
    syntax.encoding === PixelEncoding.nativeLittleEndian || syntax.encoding === PixelEncoding.nativeBigEndian;
  const frameBytes = native ? nativeFirstFrame(dataSet, module) : encapsulatedFirstFrame(dataSet, module);
  const frame = await decodeFrame(
    frameBytes,
    syntax,
    module,
    limits.maxPixels,
    limits.budget ?? defaultDecodeBudget,
  );

  let pixels: Buffer;
  if (module.photometric === 'PALETTE COLOR') {
    pixels = paletteToRgb(frame.samples, module, dataSet, syntax.encoding === PixelEncoding.nativeBigEndian);
  } else if (module.samplesPerPixel === 1) {
    pixels = greyToRgb(frame.samples, module);
  } else {
    pixels = colourToRgb(frame, module);
  }
  return {
    image: { width: module.columns, height: module.rows, pixels },
    dicom: {
      transferSyntax: uid,
      modality: modalityOf(dataSet),
      instance: dicomInstanceReference(dataSet),
      ...dicomClinicalContext(dataSet),
    },
  };
}

function modalityOf(dataSet: DataSet): string | undefined {
  let value: string | undefined;
  try {
    value = dataSet.string(Tag.modality)?.trim().toUpperCase();
  } catch {
    return undefined;
  }
  return value && value.length <= 16 ? value : undefined;
}
