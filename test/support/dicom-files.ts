/**
 * DICOM Part 10 files built in code for tests: a file meta group, then a data set in any of the
 * transfer syntaxes the decoder reads (implicit or explicit VR, little or big endian, deflated),
 * with native or encapsulated (fragmented) pixel data. Only what a test states goes in.
 */
import { deflateRawSync } from 'node:zlib';

export const TransferSyntaxUid = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflated: '1.2.840.10008.1.2.1.99',
  explicitBig: '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  mpeg2: '1.2.840.10008.1.2.4.100',
} as const;

/** One data element: `[group, element]`, its VR, and its value (text, US numbers or raw bytes). */
export interface DicomElement {
  tag: readonly [number, number];
  vr: string;
  value: string | number[] | Uint8Array;
}

export interface DicomFileOptions {
  transferSyntax: string;
  elements: DicomElement[];
  /** Uncompressed pixel data as little-endian bytes (swapped for big endian when OW). */
  pixelData?: { native: Uint8Array; vr: 'OB' | 'OW' } | { fragments: Uint8Array[] };
}

const longLengthVrs = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR']);

interface Encoding {
  explicit: boolean;
  bigEndian: boolean;
}

function valueBytes(element: DicomElement, encoding: Encoding): Buffer {
  const { value, vr } = element;
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'latin1');
    return text.length % 2 === 0 ? text : Buffer.concat([text, Buffer.from(vr === 'UI' ? '\0' : ' ')]);
  }
  if (Array.isArray(value)) {
    const bytes = Buffer.alloc(value.length * 2);
    for (const [index, number] of value.entries()) {
      if (encoding.bigEndian) bytes.writeUInt16BE(number, index * 2);
      else bytes.writeUInt16LE(number, index * 2);
    }
    return bytes;
  }
  const bytes = Buffer.from(value as Uint8Array);
  if (encoding.bigEndian && vr === 'OW') bytes.swap16();
  return bytes;
}

function header(tag: readonly [number, number], vr: string, length: number, encoding: Encoding): Buffer {
  const write16 = (bytes: Buffer, value: number, offset: number) =>
    encoding.bigEndian ? bytes.writeUInt16BE(value, offset) : bytes.writeUInt16LE(value, offset);
  const write32 = (bytes: Buffer, value: number, offset: number) =>
    encoding.bigEndian ? bytes.writeUInt32BE(value, offset) : bytes.writeUInt32LE(value, offset);
  if (!encoding.explicit) {
    const bytes = Buffer.alloc(8);
    write16(bytes, tag[0], 0);
    write16(bytes, tag[1], 2);
    write32(bytes, length, 4);
    return bytes;
  }
  const long = longLengthVrs.has(vr);
  const bytes = Buffer.alloc(long ? 12 : 8);
  write16(bytes, tag[0], 0);
  write16(bytes, tag[1], 2);
  bytes.write(vr, 4, 'latin1');
  if (long) write32(bytes, length, 8);
  else write16(bytes, length, 6);
  return bytes;
}

export function encodeElement(element: DicomElement, encoding: Encoding): Buffer {
  const value = valueBytes(element, encoding);
  return Buffer.concat([header(element.tag, element.vr, value.length, encoding), value]);
}

/** An item or delimiter tag (FFFE,xxxx): always tag + 4-byte length, in the data set's byte order. */
function itemHeader(element: number, length: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeUInt16LE(0xfffe, 0);
  bytes.writeUInt16LE(element, 2);
  bytes.writeUInt32LE(length, 4);
  return bytes;
}

export function encapsulatedPixelData(fragments: Uint8Array[]): Buffer {
  const pixelDataHeader = header([0x7fe0, 0x0010], 'OB', 0xffffffff, { explicit: true, bigEndian: false });
  return Buffer.concat([
    pixelDataHeader,
    itemHeader(0xe000, 0), // an empty basic offset table
    ...fragments.flatMap((fragment) => {
      const padded = fragment.length % 2 === 0 ? fragment : Buffer.concat([fragment, Buffer.alloc(1)]);
      return [itemHeader(0xe000, padded.length), Buffer.from(padded)];
    }),
    itemHeader(0xe0dd, 0),
  ]);
}

export function fileMeta(transferSyntax: string): Buffer {
  const encoding = { explicit: true, bigEndian: false };
  const elements: DicomElement[] = [
    { tag: [0x0002, 0x0001], vr: 'OB', value: Uint8Array.from([0, 1]) },
    { tag: [0x0002, 0x0002], vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: [0x0002, 0x0003], vr: 'UI', value: '1.2.826.0.1.3680043.8.498.1' },
    { tag: [0x0002, 0x0010], vr: 'UI', value: transferSyntax },
  ];
  const body = Buffer.concat(elements.map((element) => encodeElement(element, encoding)));
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length);
  return Buffer.concat([
    Buffer.alloc(128),
    Buffer.from('DICM', 'latin1'),
    encodeElement({ tag: [0x0002, 0x0000], vr: 'UL', value: groupLength }, encoding),
    body,
  ]);
}

export function dicomFile(options: DicomFileOptions): Buffer {
  const encoding: Encoding = {
    explicit: options.transferSyntax !== TransferSyntaxUid.implicitLittle,
    bigEndian: options.transferSyntax === TransferSyntaxUid.explicitBig,
  };
  const sorted = [...options.elements].sort((a, b) => a.tag[0] - b.tag[0] || a.tag[1] - b.tag[1]);
  const parts = sorted.map((element) => encodeElement(element, encoding));
  const { pixelData } = options;
  if (pixelData && 'native' in pixelData) {
    parts.push(encodeElement({ tag: [0x7fe0, 0x0010], vr: pixelData.vr, value: pixelData.native }, encoding));
  } else if (pixelData) {
    parts.push(encapsulatedPixelData(pixelData.fragments));
  }
  const dataSet = Buffer.concat(parts);
  const body = options.transferSyntax === TransferSyntaxUid.deflated ? deflateRawSync(dataSet) : dataSet;
  return Buffer.concat([fileMeta(options.transferSyntax), body]);
}

export interface ImageOptions {
  rows: number;
  columns: number;
  photometric?: string;
  samplesPerPixel?: number;
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  pixelRepresentation?: 0 | 1;
  planarConfiguration?: 0 | 1;
}

/** The Image Pixel module's elements (US values are written in the data set's byte order). */
export function imagePixelElements(image: ImageOptions): DicomElement[] {
  const samplesPerPixel = image.samplesPerPixel ?? 1;
  const bitsAllocated = image.bitsAllocated ?? 16;
  const elements: DicomElement[] = [
    { tag: [0x0028, 0x0002], vr: 'US', value: [samplesPerPixel] },
    { tag: [0x0028, 0x0004], vr: 'CS', value: image.photometric ?? 'MONOCHROME2' },
    { tag: [0x0028, 0x0010], vr: 'US', value: [image.rows] },
    { tag: [0x0028, 0x0011], vr: 'US', value: [image.columns] },
    { tag: [0x0028, 0x0100], vr: 'US', value: [bitsAllocated] },
    { tag: [0x0028, 0x0101], vr: 'US', value: [image.bitsStored ?? bitsAllocated] },
    { tag: [0x0028, 0x0102], vr: 'US', value: [(image.bitsStored ?? bitsAllocated) - 1] },
    { tag: [0x0028, 0x0103], vr: 'US', value: [image.pixelRepresentation ?? 0] },
  ];
  if (samplesPerPixel === 3) {
    elements.push({ tag: [0x0028, 0x0006], vr: 'US', value: [image.planarConfiguration ?? 0] });
  }
  return elements;
}

/** 16-bit sample values as little-endian bytes (two's complement for negatives). */
export function words(values: readonly number[]): Uint8Array {
  const bytes = Buffer.alloc(values.length * 2);
  for (const [index, value] of values.entries()) bytes.writeUInt16LE(value & 0xffff, index * 2);
  return bytes;
}

/**
 * One RLE Lossless frame (PS3.5 annex G) of interleaved samples: a segment per byte plane, most
 * significant first, each written as PackBits literal runs of up to 128 bytes.
 */
export function rleFrame(samples: readonly number[], samplesPerPixel: number, bytesPerSample: 1 | 2): Buffer {
  const pixels = samples.length / samplesPerPixel;
  const segments: Buffer[] = [];
  for (let sample = 0; sample < samplesPerPixel; sample++) {
    for (let byte = bytesPerSample - 1; byte >= 0; byte--) {
      const plane = Buffer.alloc(pixels);
      for (let pixel = 0; pixel < pixels; pixel++) {
        plane[pixel] = ((samples[pixel * samplesPerPixel + sample] ?? 0) >> (byte * 8)) & 0xff;
      }
      const runs: Buffer[] = [];
      for (let start = 0; start < plane.length; start += 128) {
        const run = plane.subarray(start, start + 128);
        runs.push(Buffer.from([run.length - 1]), run);
      }
      const segment = Buffer.concat(runs);
      segments.push(segment.length % 2 === 0 ? segment : Buffer.concat([segment, Buffer.alloc(1)]));
    }
  }
  const rleHeader = Buffer.alloc(64);
  rleHeader.writeUInt32LE(segments.length, 0);
  let offset = 64;
  segments.forEach((segment, index) => {
    rleHeader.writeUInt32LE(offset, 4 + index * 4);
    offset += segment.length;
  });
  return Buffer.concat([rleHeader, ...segments]);
}

/** A JPEG Baseline DICOM of one JPEG as its only fragment; `rows` and `columns` as the data set claims. */
export function jpegBaselineDicom(jpeg: Uint8Array, size: { rows: number; columns: number }): Buffer {
  return dicomFile({
    transferSyntax: TransferSyntaxUid.jpegBaseline,
    elements: imagePixelElements({
      ...size,
      samplesPerPixel: 3,
      photometric: 'YBR_FULL_422',
      bitsAllocated: 8,
    }),
    pixelData: { fragments: [jpeg] },
  });
}
