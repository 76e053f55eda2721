/**
 * The attributes that say how to read a DICOM image's pixels (PS3.3 C.7.6.3 Image Pixel, C.11
 * Modality and VOI LUT): read once from the data set and checked, so a file with impossible
 * values fails here with a clear message instead of inside a codec.
 */
import type { DataSet } from 'dicom-parser';
import { corruptDicom, unsupportedDicom } from './dicom-failure.js';

export type PhotometricInterpretation =
  | 'MONOCHROME1'
  | 'MONOCHROME2'
  | 'RGB'
  | 'YBR_FULL'
  | 'YBR_FULL_422'
  | 'YBR_ICT'
  | 'YBR_RCT'
  | 'PALETTE COLOR';

const photometricInterpretations: ReadonlySet<string> = new Set<PhotometricInterpretation>([
  'MONOCHROME1',
  'MONOCHROME2',
  'RGB',
  'YBR_FULL',
  'YBR_FULL_422',
  'YBR_ICT',
  'YBR_RCT',
  'PALETTE COLOR',
]);

export interface ImagePixelModule {
  rows: number;
  columns: number;
  samplesPerPixel: 1 | 3;
  bitsAllocated: 8 | 16;
  bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  photometric: PhotometricInterpretation;
  /** 0: R1G1B1 R2G2B2...; 1: all R, then all G, then all B. */
  planarConfiguration: 0 | 1;
  numberOfFrames: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** The first VOI window the file gives, when it gives a usable one. */
  window: { center: number; width: number } | undefined;
}

/** Tags as dicom-parser names them. */
export const Tag = {
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  planarConfiguration: 'x00280006',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  pixelRepresentation: 'x00280103',
  windowCenter: 'x00281050',
  windowWidth: 'x00281051',
  rescaleIntercept: 'x00281052',
  rescaleSlope: 'x00281053',
  pixelData: 'x7fe00010',
  transferSyntax: 'x00020010',
  modality: 'x00080060',
} as const;

function required(dataSet: DataSet, tag: string, name: string): number {
  const value = dataSet.uint16(tag);
  if (value === undefined) throw corruptDicom(`${name} ${formatTag(tag)} is missing`);
  return value;
}

const formatTag = (tag: string) => `(${tag.slice(1, 5)},${tag.slice(5, 9)})`.toUpperCase();

/** A decimal string attribute's first value, if it is a finite number. */
function decimal(dataSet: DataSet, tag: string): number | undefined {
  const value = dataSet.floatString(tag, 0);
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

export function readImagePixelModule(dataSet: DataSet): ImagePixelModule {
  const rows = required(dataSet, Tag.rows, 'Rows');
  const columns = required(dataSet, Tag.columns, 'Columns');
  if (rows === 0 || columns === 0) throw corruptDicom(`the image is ${columns} x ${rows} pixels`);

  const samplesPerPixel = dataSet.uint16(Tag.samplesPerPixel) ?? 1;
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw unsupportedDicom(`${samplesPerPixel} samples per pixel (1 or 3 are supported)`);
  }
  const bitsAllocated = required(dataSet, Tag.bitsAllocated, 'Bits Allocated');
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw unsupportedDicom(`${bitsAllocated} bits allocated per sample (8 or 16 are supported)`);
  }
  const bitsStored = dataSet.uint16(Tag.bitsStored) ?? bitsAllocated;
  if (bitsStored < 1 || bitsStored > bitsAllocated) {
    throw corruptDicom(`Bits Stored is ${bitsStored} with ${bitsAllocated} bits allocated`);
  }
  const pixelRepresentation = dataSet.uint16(Tag.pixelRepresentation) ?? 0;
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) {
    throw corruptDicom(`Pixel Representation is ${pixelRepresentation}`);
  }

  const photometricText = (dataSet.string(Tag.photometric) ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2'))
    .trim()
    .toUpperCase();
  if (!photometricInterpretations.has(photometricText)) {
    throw unsupportedDicom(`photometric interpretation ${photometricText.slice(0, 16)}`);
  }
  const photometric = photometricText as PhotometricInterpretation;
  const colour = samplesPerPixel === 3;
  const expectsColour = !['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR'].includes(photometric);
  if (colour !== expectsColour) {
    throw corruptDicom(`photometric interpretation ${photometric} with ${samplesPerPixel} samples per pixel`);
  }
  if (colour && bitsAllocated !== 8) {
    throw unsupportedDicom(`colour images with ${bitsAllocated} bits per sample (8 are supported)`);
  }

  const planarConfiguration = colour ? (dataSet.uint16(Tag.planarConfiguration) ?? 0) : 0;
  if (planarConfiguration !== 0 && planarConfiguration !== 1) {
    throw corruptDicom(`Planar Configuration is ${planarConfiguration}`);
  }
  const frames = dataSet.intString(Tag.numberOfFrames);
  const numberOfFrames = frames !== undefined && Number.isInteger(frames) && frames > 0 ? frames : 1;

  const slope = decimal(dataSet, Tag.rescaleSlope);
  const center = decimal(dataSet, Tag.windowCenter);
  const width = decimal(dataSet, Tag.windowWidth);
  return {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    pixelRepresentation,
    photometric,
    planarConfiguration,
    numberOfFrames,
    // A slope of 0 would flatten the image: such a file means "no rescale".
    rescaleSlope: slope === undefined || slope === 0 ? 1 : slope,
    rescaleIntercept: decimal(dataSet, Tag.rescaleIntercept) ?? 0,
    // PS3.3 C.11.2.1.2: the width shall be at least 1.
    window: center !== undefined && width !== undefined && width >= 1 ? { center, width } : undefined,
  };
}

/** Bytes one uncompressed frame takes (YBR_FULL_422 stores two samples per pixel). */
export function nativeFrameBytes(module: ImagePixelModule): number {
  const samples = module.photometric === 'YBR_FULL_422' ? 2 : module.samplesPerPixel;
  return module.rows * module.columns * samples * (module.bitsAllocated / 8);
}
