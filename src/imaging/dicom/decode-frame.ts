/**
 * Turns the first frame's bytes into samples, whatever the transfer syntax: byte-swapped words for
 * big endian, RLE, and the JPEG family through sharp (baseline and extended DCT, 8-bit) and the
 * JavaScript/WebAssembly codecs (JPEG Lossless, JPEG-LS, JPEG 2000). Each codestream's own
 * header is checked against the data set's Rows and Columns before the codec allocates anything.
 * Codecs load on first use: a service that never sees DICOM never loads them.
 */
import sharp from 'sharp';
import { BadInputError } from '../../errors.js';
import { jpegFrameHeader } from '../claimed-dimensions.js';
import { corruptDicom, thrownMessage, unsupportedDicom } from './dicom-failure.js';
import type { ImagePixelModule } from './image-pixel-module.js';
import { decodeRle } from './rle.js';
import { describeTransferSyntax, PixelEncoding, type TransferSyntax } from './transfer-syntax.js';

export interface FrameSamples {
  /** Raw sample words: 8-bit in a Uint8Array, 16-bit in a Uint16Array (signed values as stored). */
  samples: Uint8Array | Uint16Array;
  /** Colour samples one plane after another instead of R G B R G B. */
  planar: boolean;
  /** The codec already turned the file's YCbCr into RGB (libjpeg, JPEG 2000's colour transform). */
  convertedToRgb: boolean;
}

export async function decodeFrame(
  frame: Uint8Array,
  syntax: TransferSyntax,
  module: ImagePixelModule,
  maxPixels: number,
): Promise<FrameSamples> {
  const interleaved = (samples: Uint8Array | Uint16Array): FrameSamples => ({
    samples,
    planar: false,
    convertedToRgb: false,
  });
  switch (syntax.encoding) {
    case PixelEncoding.nativeLittleEndian:
    case PixelEncoding.nativeBigEndian:
      return {
        samples: nativeSamples(frame, module, syntax.encoding === PixelEncoding.nativeBigEndian),
        planar: module.planarConfiguration === 1,
        convertedToRgb: false,
      };
    case PixelEncoding.rle:
      return interleaved(decodeRle(frame, module));
    case PixelEncoding.jpegDct:
      return decodeJpegDct(frame, syntax, module, maxPixels);
    case PixelEncoding.jpegLossless:
      return interleaved(await decodeJpegLossless(frame, module));
    case PixelEncoding.jpegLs:
      return decodeJpegLs(frame, module);
    case PixelEncoding.jpeg2000:
      return decodeJpeg2000(frame, module);
  }
}

function nativeSamples(
  frame: Uint8Array,
  module: ImagePixelModule,
  bigEndian: boolean,
): Uint8Array | Uint16Array {
  if (module.bitsAllocated === 8) return frame;
  // A copy: the frame may start at an odd offset, and big-endian words are swapped on the way.
  const words = new Uint16Array(frame.length / 2);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  for (let index = 0; index < words.length; index++) words[index] = view.getUint16(index * 2, !bigEndian);
  return words;
}

/** The codestream must claim exactly the data set's size: anything else is a broken or hostile file. */
function assertCodestreamSize(
  claimed: { width: number; height: number } | undefined,
  module: ImagePixelModule,
  codestream: string,
): void {
  if (!claimed) throw corruptDicom(`the ${codestream} codestream has no readable frame header`);
  if (claimed.width !== module.columns || claimed.height !== module.rows) {
    throw corruptDicom(
      `the ${codestream} codestream is ${claimed.width} x ${claimed.height}, the data set says ${module.columns} x ${module.rows}`,
    );
  }
}

async function decodeJpegDct(
  frame: Uint8Array,
  syntax: TransferSyntax,
  module: ImagePixelModule,
  maxPixels: number,
): Promise<FrameSamples> {
  const header = jpegFrameHeader(frame);
  assertCodestreamSize(header, module, 'JPEG');
  if (header && header.precision !== 8) {
    throw unsupportedDicom(
      `${header.precision}-bit JPEG in transfer syntax ${describeTransferSyntax(syntax.uid)} (8-bit JPEG is supported; no maintained 12-bit JPEG decoder is available)`,
    );
  }
  try {
    const { data, info } = await sharp(frame, { limitInputPixels: maxPixels, failOn: 'error' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== module.samplesPerPixel) {
      throw new Error(`${info.channels} channels, ${module.samplesPerPixel} expected`);
    }
    const samples = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { samples, planar: false, convertedToRgb: module.samplesPerPixel === 3 };
  } catch (error) {
    throw corruptDicom(`the JPEG frame cannot be decoded (${thrownMessage(error)})`, error);
  }
}

async function decodeJpegLossless(
  frame: Uint8Array,
  module: ImagePixelModule,
): Promise<Uint8Array | Uint16Array> {
  assertCodestreamSize(jpegFrameHeader(frame), module, 'JPEG Lossless');
  const { Decoder } = await import('jpeg-lossless-decoder-js');
  let samples: Uint8Array | Uint16Array;
  try {
    samples = new Decoder().decode(
      frame.buffer,
      frame.byteOffset,
      frame.byteLength,
      module.bitsAllocated / 8,
    );
  } catch (error) {
    throw corruptDicom(`the JPEG Lossless frame cannot be decoded (${thrownMessage(error)})`, error);
  }
  assertSampleCount(samples.length, module, 'JPEG Lossless');
  return samples;
}

function assertSampleCount(count: number, module: ImagePixelModule, codestream: string): void {
  const expected = module.rows * module.columns * module.samplesPerPixel;
  if (count !== expected) {
    throw corruptDicom(`the ${codestream} frame decodes to ${count} samples, ${expected} expected`);
  }
}

// Emscripten modules print to the console unless told otherwise; one instance serves every call.
const quiet = { print: () => undefined, printErr: () => undefined };
let charLs: Promise<import('@cornerstonejs/codec-charls/decode').CharLsModule> | undefined;
let openJpeg: Promise<import('@cornerstonejs/codec-openjpeg/decode').OpenJpegModule> | undefined;

async function decodeJpegLs(frame: Uint8Array, module: ImagePixelModule): Promise<FrameSamples> {
  assertCodestreamSize(jpegFrameHeader(frame), module, 'JPEG-LS');
  charLs ??= import('@cornerstonejs/codec-charls/decode').then(({ default: factory }) => factory(quiet));
  const decoder = new (await charLs).JpegLSDecoder();
  try {
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const samples = copySamples(decoder.getDecodedBuffer(), info.bitsPerSample);
    assertSampleCount(samples.length, module, 'JPEG-LS');
    const planar = module.samplesPerPixel === 3 && decoder.getInterleaveMode() === 0;
    return { samples, planar, convertedToRgb: false };
  } catch (error) {
    if (error instanceof BadInputError) throw error;
    throw corruptDicom(`the JPEG-LS frame cannot be decoded (${thrownMessage(error)})`, error);
  } finally {
    decoder.delete();
  }
}

async function decodeJpeg2000(frame: Uint8Array, module: ImagePixelModule): Promise<FrameSamples> {
  openJpeg ??= import('@cornerstonejs/codec-openjpeg/decode').then(({ default: factory }) => factory(quiet));
  const decoder = new (await openJpeg).J2KDecoder();
  try {
    assertCodestreamSize(jpeg2000FrameSize(frame), module, 'JPEG 2000');
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    const samples = copySamples(decoder.getDecodedBuffer(), decoder.getFrameInfo().bitsPerSample);
    assertSampleCount(samples.length, module, 'JPEG 2000');
    // OpenJPEG applies the codestream's multi-component transform (YBR_ICT and YBR_RCT).
    const convertedToRgb = module.photometric === 'YBR_ICT' || module.photometric === 'YBR_RCT';
    return { samples, planar: false, convertedToRgb };
  } catch (error) {
    if (error instanceof BadInputError) throw error;
    throw corruptDicom(`the JPEG 2000 frame cannot be decoded (${thrownMessage(error)})`, error);
  } finally {
    decoder.delete();
  }
}

/**
 * The image size in a JPEG 2000 codestream's SIZ segment (ISO/IEC 15444-1 A.5.1): the reference
 * grid less the image offset. The codec's own header reader leaves its frame info empty.
 */
function jpeg2000FrameSize(frame: Uint8Array): { width: number; height: number } | undefined {
  // A raw codestream starts with SOC SIZ; a JP2 file carries it further in (jp2c box).
  const start = Buffer.from(frame.buffer, frame.byteOffset, Math.min(frame.byteLength, 65536)).indexOf(
    Buffer.from([0xff, 0x4f, 0xff, 0x51]),
  );
  if (start < 0 || start + 28 > frame.length) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset + start, 28);
  const width = view.getUint32(8) - view.getUint32(16);
  const height = view.getUint32(12) - view.getUint32(20);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** Out of the codec's WebAssembly memory (reused by the next call), as 8- or 16-bit words. */
function copySamples(decoded: Uint8Array, bitsPerSample: number): Uint8Array | Uint16Array {
  const copy = new Uint8Array(decoded);
  return bitsPerSample > 8 ? new Uint16Array(copy.buffer, 0, Math.floor(copy.length / 2)) : copy;
}
