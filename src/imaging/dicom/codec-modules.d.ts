/**
 * The parts of the pixel-data codecs' APIs this service uses: the packages ship no types. The
 * cornerstone codecs are Emscripten builds whose `*_decode.js` entry embeds its WebAssembly, so
 * they bundle as plain JavaScript.
 */

interface EmscriptenOptions {
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

interface CodecFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): CodecFrameInfo;
  delete(): void;
}

declare module '@cornerstonejs/codec-openjpeg/decode' {
  export interface OpenJpegModule {
    J2KDecoder: new () => WasmDecoder;
  }
  const factory: (options?: EmscriptenOptions) => Promise<OpenJpegModule>;
  export default factory;
}

declare module '@cornerstonejs/codec-charls/decode' {
  export interface JpegLSDecoder extends WasmDecoder {
    /** 0: planes one after the other; 1 (line) and 2 (sample): decoded interleaved. */
    getInterleaveMode(): number;
  }
  export interface CharLsModule {
    JpegLSDecoder: new () => JpegLSDecoder;
  }
  const factory: (options?: EmscriptenOptions) => Promise<CharLsModule>;
  export default factory;
}

declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    /** Samples of `bytesPerSample` bytes, interleaved: Uint8Array for 1, Uint16Array for 2. */
    decode(
      buffer: ArrayBufferLike,
      offset: number,
      length: number,
      bytesPerSample: number,
    ): Uint8Array | Uint16Array;
  }
}
