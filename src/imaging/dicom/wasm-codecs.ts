/**
 * The JavaScript and WebAssembly codecs of the lossless and JPEG 2000 transfer syntaxes: JPEG
 * Lossless (jpeg-lossless-decoder-js), JPEG-LS (CharLS) and JPEG 2000 (OpenJPEG). They run only
 * inside the codec worker (codec-worker.ts), never on the main thread: a hostile codestream can
 * keep them busy for minutes. Their input was checked against the data set's header first
 * (decode-frame.ts); they throw plain errors, which the worker reports as a corrupt frame.
 */

export const WasmCodec = { jpegLossless: 'jpeg-lossless', jpegLs: 'jpeg-ls', jpeg2000: 'jpeg-2000' } as const;
export type WasmCodec = (typeof WasmCodec)[keyof typeof WasmCodec];

/** What a codec needs of the Image Pixel module. */
export interface CodecFrameShape {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
}

export interface CodecSamples {
  samples: Uint8Array | Uint16Array;
  planar: boolean;
}

// Emscripten modules print to the console unless told otherwise; one instance serves the worker.
const quiet = { print: () => undefined, printErr: () => undefined };
let charLs: Promise<import('@cornerstonejs/codec-charls/decode').CharLsModule> | undefined;
let openJpeg: Promise<import('@cornerstonejs/codec-openjpeg/decode').OpenJpegModule> | undefined;

export async function decodeWithCodec(
  codec: WasmCodec,
  frame: Uint8Array,
  shape: CodecFrameShape,
): Promise<CodecSamples> {
  switch (codec) {
    case WasmCodec.jpegLossless:
      return { samples: await decodeJpegLossless(frame, shape), planar: false };
    case WasmCodec.jpegLs:
      return decodeJpegLs(frame, shape);
    case WasmCodec.jpeg2000:
      return { samples: await decodeJpeg2000(frame, shape), planar: false };
  }
}

async function decodeJpegLossless(
  frame: Uint8Array,
  shape: CodecFrameShape,
): Promise<Uint8Array | Uint16Array> {
  const { Decoder } = await import('jpeg-lossless-decoder-js');
  const samples = new Decoder().decode(
    frame.buffer,
    frame.byteOffset,
    frame.byteLength,
    shape.bitsAllocated / 8,
  );
  assertSampleCount(samples.length, shape, 'JPEG Lossless');
  return samples;
}

async function decodeJpegLs(frame: Uint8Array, shape: CodecFrameShape): Promise<CodecSamples> {
  charLs ??= import('@cornerstonejs/codec-charls/decode').then(({ default: factory }) => factory(quiet));
  const decoder = new (await charLs).JpegLSDecoder();
  try {
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    const samples = copySamples(decoder.getDecodedBuffer(), decoder.getFrameInfo().bitsPerSample);
    assertSampleCount(samples.length, shape, 'JPEG-LS');
    return { samples, planar: shape.samplesPerPixel === 3 && decoder.getInterleaveMode() === 0 };
  } finally {
    decoder.delete();
  }
}

async function decodeJpeg2000(frame: Uint8Array, shape: CodecFrameShape): Promise<Uint8Array | Uint16Array> {
  openJpeg ??= import('@cornerstonejs/codec-openjpeg/decode').then(({ default: factory }) => factory(quiet));
  const decoder = new (await openJpeg).J2KDecoder();
  try {
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    const samples = copySamples(decoder.getDecodedBuffer(), decoder.getFrameInfo().bitsPerSample);
    assertSampleCount(samples.length, shape, 'JPEG 2000');
    return samples;
  } finally {
    decoder.delete();
  }
}

function assertSampleCount(count: number, shape: CodecFrameShape, codestream: string): void {
  const expected = shape.rows * shape.columns * shape.samplesPerPixel;
  if (count !== expected)
    throw new Error(`the ${codestream} frame decodes to ${count} samples, ${expected} expected`);
}

/** Out of the codec's WebAssembly memory (reused by the next call), as 8- or 16-bit words. */
function copySamples(decoded: Uint8Array, bitsPerSample: number): Uint8Array | Uint16Array {
  const copy = new Uint8Array(decoded);
  return bitsPerSample > 8 ? new Uint16Array(copy.buffer, 0, Math.floor(copy.length / 2)) : copy;
}
