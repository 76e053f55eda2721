/**
 * The width and height an image's header claims, read straight from the bytes. A decompression
 * bomb is usually just a header claiming a huge canvas, often with no usable data after it, which
 * decoders then refuse as "corrupt": reading the claim ourselves lets us name it for what it is.
 */
import type { SupportedFormat } from './image-format.js';

export interface Dimensions {
  width: number;
  height: number;
}

export function claimedDimensions(bytes: Uint8Array, format: SupportedFormat): Dimensions | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (format) {
    case 'png':
      // Signature (8), chunk length (4), "IHDR" (4), then width and height, big-endian.
      if (view.length < 24 || view.toString('latin1', 12, 16) !== 'IHDR') return undefined;
      return { width: view.readUInt32BE(16), height: view.readUInt32BE(20) };
    case 'gif':
      // "GIF89a", then the logical screen width and height, little-endian.
      if (view.length < 10) return undefined;
      return { width: view.readUInt16LE(6), height: view.readUInt16LE(8) };
    case 'jpeg':
      return jpegFrameSize(view);
    default:
      return undefined;
  }
}

/** What a JPEG start-of-frame segment says: size, sample precision and which SOF marker it is. */
export interface JpegFrameHeader extends Dimensions {
  precision: number;
  marker: number;
}

/**
 * Walks the JPEG markers to the first start-of-frame (SOF0-SOF15 but DHT, JPG and DAC; SOF55 of
 * JPEG-LS, which DICOM carries too). Also reads a codestream inside a DICOM file, before a codec
 * allocates what it claims.
 */
export function jpegFrameHeader(bytes: Uint8Array): JpegFrameHeader | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view[0] !== 0xff || view[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 9 <= view.length) {
    if (view[offset] !== 0xff) return undefined;
    const marker = view[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    const isFrame =
      (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) ||
      marker === 0xf7;
    if (isFrame) {
      return {
        marker,
        precision: view[offset + 4] ?? 0,
        height: view.readUInt16BE(offset + 5),
        width: view.readUInt16BE(offset + 7),
      };
    }
    offset += 2 + view.readUInt16BE(offset + 2);
  }
  return undefined;
}

function jpegFrameSize(view: Buffer): Dimensions | undefined {
  const header = jpegFrameHeader(view);
  return header && { width: header.width, height: header.height };
}
