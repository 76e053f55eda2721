/**
 * Recognises an image's container from its first bytes, so an unsupported format is named
 * ("HEIC", "SVG", "PDF") instead of surfacing as a decoder's cryptic failure, and so a file's
 * extension or declared content type is never trusted.
 */

export const SupportedFormat = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tiff',
  avif: 'avif',
  dicom: 'dicom',
} as const;
export type SupportedFormat = (typeof SupportedFormat)[keyof typeof SupportedFormat];

export type SniffedFormat =
  | { supported: true; format: SupportedFormat }
  | { supported: false; format: string; hint: string };

const ascii = (bytes: Uint8Array, start: number, length: number): string =>
  Buffer.from(bytes.subarray(start, start + length)).toString('latin1');

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0): boolean =>
  signature.every((byte, index) => bytes[offset + index] === byte);

const heifBrands = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);

function sniffIsoMedia(bytes: Uint8Array): SniffedFormat | undefined {
  if (ascii(bytes, 4, 4) !== 'ftyp') return undefined;
  const boxSize = Buffer.from(bytes.subarray(0, 4)).readUInt32BE(0);
  const brands: string[] = [ascii(bytes, 8, 4)];
  for (let offset = 16; offset + 4 <= Math.min(boxSize, bytes.length); offset += 4) {
    brands.push(ascii(bytes, offset, 4));
  }
  if (brands.includes('avif') || brands.includes('avis')) return { supported: true, format: 'avif' };
  if (brands.some((brand) => heifBrands.has(brand))) {
    return {
      supported: false,
      format: 'HEIC',
      hint: 'export the photo as JPEG (iOS: Settings > Camera > Formats > Most Compatible)',
    };
  }
  return undefined;
}

function looksLikeMarkup(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 512))
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  return head.startsWith('<?xml') || head.startsWith('<svg') || head.startsWith('<!doctype svg');
}

export function sniffImageFormat(bytes: Uint8Array): SniffedFormat {
  // Before TIFF: a DICOM preamble may itself be a TIFF header (dual-format files).
  if (ascii(bytes, 128, 4) === 'DICM') return { supported: true, format: 'dicom' };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { supported: true, format: 'jpeg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { supported: true, format: 'png' };
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')
    return { supported: true, format: 'gif' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP')
    return { supported: true, format: 'webp' };
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { supported: true, format: 'tiff' };
  }
  const isoMedia = sniffIsoMedia(bytes);
  if (isoMedia) return isoMedia;
  if (ascii(bytes, 0, 5) === '%PDF-')
    return { supported: false, format: 'PDF', hint: 'upload the image itself, not a document' };
  if (looksLikeMarkup(bytes)) {
    return {
      supported: false,
      format: 'SVG',
      hint: 'vector images are refused: they can reference external resources',
    };
  }
  if (ascii(bytes, 0, 2) === 'BM') return { supported: false, format: 'BMP', hint: 'convert it to PNG' };
  if (
    startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]) ||
    startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])
  ) {
    return { supported: false, format: 'JPEG 2000', hint: 'convert it to PNG or JPEG' };
  }
  if (startsWith(bytes, [0xff, 0x0a]) || ascii(bytes, 4, 4) === 'JXL ') {
    return { supported: false, format: 'JPEG XL', hint: 'convert it to PNG or JPEG' };
  }
  return {
    supported: false,
    format: 'unknown',
    hint: 'supported formats are JPEG, PNG, WebP, GIF, TIFF, AVIF and DICOM Part 10',
  };
}
