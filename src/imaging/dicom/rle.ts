/**
 * DICOM RLE Lossless (PS3.5 annex G): a 64-byte header of segment offsets, then one PackBits
 * segment per byte plane, most significant byte of each sample first. Decodes to interleaved
 * samples (R G B R G B ... for colour), whatever the file's Planar Configuration says.
 */
import { corruptDicom } from './dicom-failure.js';

export interface RleFrame {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: 8 | 16;
}

export function decodeRle(encoded: Uint8Array, frame: RleFrame): Uint8Array | Uint16Array {
  const pixels = frame.rows * frame.columns;
  const bytesPerSample = frame.bitsAllocated / 8;
  const expectedSegments = frame.samplesPerPixel * bytesPerSample;
  if (encoded.length < 64) throw corruptDicom('the RLE header is cut short');
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const segmentCount = view.getUint32(0, true);
  if (segmentCount !== expectedSegments) {
    throw corruptDicom(`the RLE frame has ${segmentCount} segments, ${expectedSegments} expected`);
  }
  const offsets = Array.from({ length: segmentCount }, (_, index) => view.getUint32(4 + index * 4, true));

  const output =
    frame.bitsAllocated === 8
      ? new Uint8Array(pixels * frame.samplesPerPixel)
      : new Uint16Array(pixels * frame.samplesPerPixel);
  const plane = new Uint8Array(pixels);
  for (let segment = 0; segment < segmentCount; segment++) {
    const start = offsets[segment] ?? 0;
    const end = segment + 1 < segmentCount ? (offsets[segment + 1] ?? 0) : encoded.length;
    if (start < 64 || end < start || end > encoded.length) {
      throw corruptDicom(`RLE segment ${segment + 1} lies outside the frame`);
    }
    unpackBits(encoded.subarray(start, end), plane, segment + 1);
    const sample = Math.floor(segment / bytesPerSample);
    // Segments come most significant byte first.
    const shift = (bytesPerSample - 1 - (segment % bytesPerSample)) * 8;
    for (let pixel = 0; pixel < pixels; pixel++) {
      const index = pixel * frame.samplesPerPixel + sample;
      output[index] = (output[index] ?? 0) | ((plane[pixel] ?? 0) << shift);
    }
  }
  return output;
}

/** PackBits into `plane`, which it must fill exactly; trailing padding in the segment is ignored. */
function unpackBits(segment: Uint8Array, plane: Uint8Array, number: number): void {
  let read = 0;
  let written = 0;
  while (written < plane.length && read < segment.length) {
    const header = segment[read++] ?? 0;
    if (header < 128) {
      const count = header + 1;
      if (read + count > segment.length || written + count > plane.length) break;
      plane.set(segment.subarray(read, read + count), written);
      read += count;
      written += count;
    } else if (header > 128) {
      const count = 257 - header;
      if (read >= segment.length || written + count > plane.length) break;
      plane.fill(segment[read++] ?? 0, written, written + count);
      written += count;
    }
    // 128 is a no-op.
  }
  if (written !== plane.length) {
    throw corruptDicom(`RLE segment ${number} decodes to ${written} of ${plane.length} bytes`);
  }
}
