/**
 * Turns the first frame's bytes into samples, whatever the transfer syntax: byte-swapped words for
 * big endian, RLE, and the JPEG family through sharp (baseline and extended DCT, 8-bit) and the
 * JavaScript/WebAssembly codecs (JPEG Lossless, JPEG-LS, JPEG 2000). Each codestream's own
 * header is checked against the data set before a codec allocates anything (size, components,
 * tiles, levels, scans), and the untrusted codecs run in a worker within the decode budget
 * (decode-in-worker.ts). Codecs load on first use: a service that never sees DICOM never loads them.
 */

import { jpegFrameHeader } from '../claimed-dimensions.js';
import {
  assertJpegScansWithinBudget,
  type DecodeBudget,
  imageTooComplex,
  isSharpTimeout,
  jpeg2000Limits,
  sharpTimeoutSeconds,
} from '../decode-budget.js';
import { type Jpeg2000Header, jpeg2000Header } from '../jpeg2000-header.js';
import { loadSharp } from '../sharp-library.js';
import { decodeInWorker } from './decode-in-worker.js';
import { corruptDicom, thrownMessage, unsupportedDicom } from './dicom-failure.js';
import type { ImagePixelModule } from './image-pixel-module.js';
import { decodeRle } from './rle.js';
import { describeTransferSyntax, PixelEncoding, type TransferSyntax } from './transfer-syntax.js';
import { type CodecSamples, WasmCodec } from './wasm-codecs.js';

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
  budget: DecodeBudget,
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
      return decodeJpegDct(frame, syntax, module, maxPixels, budget);
    case PixelEncoding.jpegLossless:
      return {
        ...(await decodeInBudget(WasmCodec.jpegLossless, frame, module, budget)),
        convertedToRgb: false,
      };
    case PixelEncoding.jpegLs:
      return { ...(await decodeInBudget(WasmCodec.jpegLs, frame, module, budget)), convertedToRgb: false };
    case PixelEncoding.jpeg2000: {
      const decoded = await decodeInBudget(WasmCodec.jpeg2000, frame, module, budget);
      // OpenJPEG applies the codestream's multi-component transform (YBR_ICT and YBR_RCT).
      const convertedToRgb = module.photometric === 'YBR_ICT' || module.photometric === 'YBR_RCT';
      return { ...decoded, convertedToRgb };
    }
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
  budget: DecodeBudget,
): Promise<FrameSamples> {
  const header = jpegFrameHeader(frame);
  assertCodestreamSize(header, module, 'JPEG');
  if (header && header.precision !== 8) {
    throw unsupportedDicom(
      `${header.precision}-bit JPEG in transfer syntax ${describeTransferSyntax(syntax.uid)} (8-bit JPEG is supported; no maintained 12-bit JPEG decoder is available)`,
    );
  }
  assertJpegScansWithinBudget(frame, budget);
  try {
    const sharp = await loadSharp();
    const { data, info } = await sharp(frame, { limitInputPixels: maxPixels, failOn: 'error' })
      .timeout({ seconds: sharpTimeoutSeconds(budget) })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== module.samplesPerPixel) {
      throw new Error(`${info.channels} channels, ${module.samplesPerPixel} expected`);
    }
    const samples = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { samples, planar: false, convertedToRgb: module.samplesPerPixel === 3 };
  } catch (error) {
    if (isSharpTimeout(error))
      throw imageTooComplex(`the decode did not finish within its ${budget.timeoutMs} ms budget`, error);
    throw corruptDicom(`the JPEG frame cannot be decoded (${thrownMessage(error)})`, error);
  }
}

/** The codec's input checked against the data set before it runs, then decoded in a worker. */
async function decodeInBudget(
  codec: WasmCodec,
  frame: Uint8Array,
  module: ImagePixelModule,
  budget: DecodeBudget,
): Promise<CodecSamples> {
  if (codec === WasmCodec.jpeg2000) {
    assertJpeg2000WithinBudget(jpeg2000Header(frame), module);
  } else {
    assertCodestreamSize(
      jpegFrameHeader(frame),
      module,
      codec === WasmCodec.jpegLs ? 'JPEG-LS' : 'JPEG Lossless',
    );
  }
  const shape = {
    rows: module.rows,
    columns: module.columns,
    samplesPerPixel: module.samplesPerPixel,
    bitsAllocated: module.bitsAllocated,
  };
  return decodeInWorker({ codec, frame, shape }, budget);
}

/**
 * A JPEG 2000 codestream must claim the data set's size and components, at most its bit depth,
 * and no more tiles or decomposition levels than a photo needs: OpenJPEG allocates per component
 * and per tile what the header claims before it reads any data.
 */
function assertJpeg2000WithinBudget(header: Jpeg2000Header | undefined, module: ImagePixelModule): void {
  assertCodestreamSize(header, module, 'JPEG 2000');
  if (!header) return;
  const { maxComponents, maxTiles, maxLevels, maxBitDepth } = jpeg2000Limits;
  if (header.components > maxComponents) {
    throw imageTooComplex(
      `the JPEG 2000 codestream claims ${header.components} components (the limit is ${maxComponents}; the data set has ${module.samplesPerPixel})`,
    );
  }
  if (header.components !== module.samplesPerPixel) {
    throw corruptDicom(
      `the JPEG 2000 codestream has ${header.components} components, the data set says ${module.samplesPerPixel} samples per pixel`,
    );
  }
  const deepest = Math.max(...header.bitDepths);
  if (deepest > Math.min(maxBitDepth, module.bitsAllocated)) {
    throw imageTooComplex(
      `the JPEG 2000 codestream claims ${deepest}-bit samples (the limit is ${Math.min(maxBitDepth, module.bitsAllocated)} for ${module.bitsAllocated} bits allocated)`,
    );
  }
  if (header.tiles > maxTiles) {
    throw imageTooComplex(`the JPEG 2000 codestream claims ${header.tiles} tiles (the limit is ${maxTiles})`);
  }
  if (header.decompositionLevels !== undefined && header.decompositionLevels > maxLevels) {
    throw imageTooComplex(
      `the JPEG 2000 codestream claims ${header.decompositionLevels} resolution levels (the limit is ${maxLevels})`,
    );
  }
}
