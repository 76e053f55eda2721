/**
 * The bytes of the first frame of the Pixel Data element: a slice of the file for uncompressed
 * data, the frame's fragments for encapsulated (compressed) data. Every offset and length is
 * checked against the bytes actually present before anything is read or copied.
 */
import type { DataSet, Element, Fragment } from 'dicom-parser';
import { corruptDicom, unsupportedDicom } from './dicom-failure.js';
import { type ImagePixelModule, nativeFrameBytes, Tag } from './image-pixel-module.js';

function pixelDataElement(dataSet: DataSet): Element {
  const element = dataSet.elements[Tag.pixelData];
  if (!element) throw corruptDicom('it has no Pixel Data (7FE0,0010)');
  return element;
}

export function nativeFirstFrame(dataSet: DataSet, module: ImagePixelModule): Uint8Array {
  const element = pixelDataElement(dataSet);
  if (element.encapsulatedPixelData) {
    throw corruptDicom('its pixel data is encapsulated but the transfer syntax is uncompressed');
  }
  const needed = nativeFrameBytes(module);
  const available = Math.min(element.length, dataSet.byteArray.length - element.dataOffset);
  if (available < needed) {
    throw corruptDicom(
      `the pixel data holds ${Math.max(0, available)} bytes, a ${module.columns} x ${module.rows} frame needs ${needed}`,
    );
  }
  return dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + needed);
}

export function encapsulatedFirstFrame(dataSet: DataSet, module: ImagePixelModule): Uint8Array {
  const element = pixelDataElement(dataSet);
  const fragments = element.fragments ?? [];
  if (!element.encapsulatedPixelData || fragments.length === 0) {
    throw corruptDicom('the transfer syntax is compressed but the pixel data has no fragments');
  }
  // dicom-parser warns and carries on when the file ends inside the pixel data.
  if (dataSet.warnings.some((warning) => warning.includes('missing sequence delimiter'))) {
    throw corruptDicom('the pixel data ends without its sequence delimiter (the file is cut short)');
  }
  for (const fragment of fragments) {
    if (fragment.length < 0 || fragment.position + fragment.length > dataSet.byteArray.length) {
      throw corruptDicom('a pixel data fragment runs past the end of the file');
    }
  }
  return concatenate(dataSet.byteArray, firstFrameFragments(element, fragments, module.numberOfFrames));
}

function firstFrameFragments(element: Element, fragments: Fragment[], frames: number): Fragment[] {
  if (frames === 1) return fragments;
  const offsets = element.basicOffsetTable ?? [];
  if (offsets.length > 1) {
    // Fragment offsets are measured from the first fragment's item tag, as the table's are.
    const end = offsets[1] ?? 0;
    const first = fragments.filter((fragment) => fragment.offset < end);
    if (first.length === 0) throw corruptDicom('the basic offset table points at no fragment');
    return first;
  }
  if (fragments.length === frames) return fragments.slice(0, 1);
  // Frames split over several fragments each, with no table to say where: rare, and refused.
  throw unsupportedDicom(`${frames} frames in ${fragments.length} fragments without a basic offset table`);
}

function concatenate(bytes: Uint8Array, fragments: Fragment[]): Uint8Array {
  const [only] = fragments;
  if (fragments.length === 1 && only) return bytes.subarray(only.position, only.position + only.length);
  const total = fragments.reduce((sum, fragment) => sum + fragment.length, 0);
  const frame = new Uint8Array(total);
  let offset = 0;
  for (const fragment of fragments) {
    frame.set(bytes.subarray(fragment.position, fragment.position + fragment.length), offset);
    offset += fragment.length;
  }
  return frame;
}
