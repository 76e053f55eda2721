/**
 * Colour DICOM samples to interleaved 8-bit RGB: planar RGB is interleaved, YBR_FULL and
 * YBR_FULL_422 are converted with the full-range equations of PS3.3 C.7.6.3.1.2 (unless the codec
 * already did), and PALETTE COLOR looks each sample up in the file's red, green and blue tables.
 */
import type { DataSet } from 'dicom-parser';
import type { FrameSamples } from './decode-frame.js';
import { corruptDicom } from './dicom-failure.js';
import { storedValueReader } from './grey-to-rgb.js';
import type { ImagePixelModule } from './image-pixel-module.js';

const clampByte = (value: number) => (value < 0 ? 0 : value > 255 ? 255 : Math.round(value));

export function colourToRgb(frame: FrameSamples, module: ImagePixelModule): Buffer {
  const pixels = module.rows * module.columns;
  const { samples } = frame;
  if (module.photometric === 'YBR_FULL_422' && !frame.convertedToRgb && samples.length === pixels * 2) {
    return ybr422ToRgb(samples, module);
  }
  const rgb = Buffer.alloc(pixels * 3);
  // Planar: sample c of pixel i at c * pixels + i; interleaved: at i * 3 + c.
  const [step, plane] = frame.planar ? [1, pixels] : [3, 1];
  const convert = !frame.convertedToRgb && module.photometric !== 'RGB';
  for (let index = 0; index < pixels; index++) {
    const first = samples[index * step] ?? 0;
    const second = samples[index * step + plane] ?? 0;
    const third = samples[index * step + 2 * plane] ?? 0;
    const out = index * 3;
    if (convert) {
      rgb[out] = clampByte(first + 1.402 * (third - 128));
      rgb[out + 1] = clampByte(first - 0.344136 * (second - 128) - 0.714136 * (third - 128));
      rgb[out + 2] = clampByte(first + 1.772 * (second - 128));
    } else {
      rgb[out] = first;
      rgb[out + 1] = second;
      rgb[out + 2] = third;
    }
  }
  return rgb;
}

/** Uncompressed YBR_FULL_422: Y1 Y2 Cb Cr for each horizontal pair of pixels. */
function ybr422ToRgb(samples: Uint8Array | Uint16Array, module: ImagePixelModule): Buffer {
  const pixels = module.rows * module.columns;
  const rgb = Buffer.alloc(pixels * 3);
  for (let index = 0; index < pixels; index++) {
    const pair = Math.floor(index / 2) * 4;
    const luma = samples[pair + (index % 2)] ?? 0;
    const blue = samples[pair + 2] ?? 128;
    const red = samples[pair + 3] ?? 128;
    rgb[index * 3] = clampByte(luma + 1.402 * (red - 128));
    rgb[index * 3 + 1] = clampByte(luma - 0.344136 * (blue - 128) - 0.714136 * (red - 128));
    rgb[index * 3 + 2] = clampByte(luma + 1.772 * (blue - 128));
  }
  return rgb;
}

interface PaletteTable {
  entries: number;
  firstMapped: number;
  bits: number;
  data: Uint8Array;
}

const paletteTags = [
  ['x00281101', 'x00281201'],
  ['x00281102', 'x00281202'],
  ['x00281103', 'x00281203'],
] as const;

function paletteTable(dataSet: DataSet, descriptorTag: string, dataTag: string): PaletteTable {
  const entries = dataSet.uint16(descriptorTag, 0);
  const firstMapped = dataSet.uint16(descriptorTag, 1);
  const bits = dataSet.uint16(descriptorTag, 2);
  const element = dataSet.elements[dataTag];
  if (entries === undefined || firstMapped === undefined || bits === undefined || !element) {
    throw corruptDicom('a PALETTE COLOR image without its lookup tables');
  }
  const count = entries === 0 ? 65536 : entries;
  const bytesPerEntry = bits > 8 ? 2 : 1;
  if (element.length < count * bytesPerEntry) {
    throw corruptDicom(`a palette table holds ${element.length} bytes for ${count} entries`);
  }
  const data = dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + count * bytesPerEntry);
  return { entries: count, firstMapped, bits, data };
}

/** PALETTE COLOR: each stored value indexes the three tables; values outside them take the ends. */
export function paletteToRgb(
  samples: Uint8Array | Uint16Array,
  module: ImagePixelModule,
  dataSet: DataSet,
  bigEndian: boolean,
): Buffer {
  const tables = paletteTags.map(([descriptor, data]) => paletteTable(dataSet, descriptor, data));
  const stored = storedValueReader(module);
  const lookup = (table: PaletteTable, value: number): number => {
    const index = Math.min(Math.max(value - table.firstMapped, 0), table.entries - 1);
    if (table.bits <= 8) return table.data[index] ?? 0;
    const first = table.data[index * 2] ?? 0;
    const second = table.data[index * 2 + 1] ?? 0;
    const word = bigEndian ? (first << 8) | second : (second << 8) | first;
    // Entries of more than 8 bits: keep the most significant 8.
    return word >> (table.bits - 8);
  };
  const pixels = module.rows * module.columns;
  const rgb = Buffer.alloc(pixels * 3);
  for (let index = 0; index < pixels; index++) {
    const value = stored(samples[index] ?? 0);
    tables.forEach((table, channel) => {
      rgb[index * 3 + channel] = lookup(table, value);
    });
  }
  return rgb;
}
