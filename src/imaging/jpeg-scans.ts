/**
 * Counts the scans (SOS segments) of a JPEG without decoding it. A progressive JPEG is decoded
 * once per scan over the whole image, so a small valid file with thousands of scans takes tens of
 * seconds in libjpeg; counting markers takes microseconds. The walk stops one past `stopAfter`.
 */

const startOfScan = 0xda;
const endOfImage = 0xd9;

/** True for the markers that stand alone (no length field): TEM, RST0-7, SOI, EOI. */
const standalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9);

export function jpegScanCount(bytes: Uint8Array, stopAfter = Number.POSITIVE_INFINITY): number {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return 0;
  let scans = 0;
  let offset = 2;
  while (offset + 1 < bytes.length && scans <= stopAfter) {
    if (bytes[offset] !== 0xff) {
      offset += 1; // garbage between segments: libjpeg skips it too
      continue;
    }
    const marker = bytes[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === endOfImage) break;
    if (standalone(marker)) {
      offset += 2;
      continue;
    }
    if (offset + 3 >= bytes.length) break;
    const length = ((bytes[offset + 2] ?? 0) << 8) | (bytes[offset + 3] ?? 0);
    offset += 2 + length;
    if (marker !== startOfScan) continue;
    scans += 1;
    offset = endOfEntropyCodedData(bytes, offset);
  }
  return scans;
}

/** The entropy-coded data ends at the first marker that is not a stuffed 0xFF00 or a restart marker. */
function endOfEntropyCodedData(bytes: Uint8Array, start: number): number {
  let offset = start;
  while (offset + 1 < bytes.length) {
    if (bytes[offset] === 0xff) {
      const next = bytes[offset + 1] ?? 0;
      if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) return offset;
    }
    offset += 1;
  }
  return bytes.length;
}
