/**
 * Hostile but valid images, made at test time: nothing is copied from real files.
 *
 * - `manyScanJpeg`: a baseline-sized progressive JPEG whose scan script splits every AC coefficient
 *   of every component into its own band and refines it bit by bit (Al 13 down to 0): 1 DC scan +
 *   3 x 63 x 14 AC scans = 2,647 scans, each of which libjpeg runs over the whole image. The image
 *   is uniform mid-grey, so every coefficient is zero and each scan is a few end-of-band runs:
 *   the file stays small while its decode work grows with width x height x scans.
 * - `jpeg2000Codestream`: a real JPEG 2000 codestream from Debian's opj_compress (libopenjp2-tools),
 *   of any size and component count (16 components: what no DICOM image has).
 * - `jpeg2000Dicom`: a DICOM Part 10 file carrying a codestream as JPEG 2000 Lossless pixel data.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dicomFile, imagePixelElements } from './dicom-files.js';

export const jpeg2000LosslessUid = '1.2.840.10008.1.2.4.90';

/** MSB-first bits with JPEG byte stuffing (0xFF is followed by 0x00) and 1-bit padding. */
class EntropyWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private count = 0;

  write(value: number, length: number): void {
    for (let bit = length - 1; bit >= 0; bit--) {
      this.current = (this.current << 1) | ((value >> bit) & 1);
      this.count += 1;
      if (this.count === 8) this.flushByte();
    }
  }

  finish(): Buffer {
    while (this.count !== 0) this.write(1, 1);
    return Buffer.from(this.bytes);
  }

  private flushByte(): void {
    this.bytes.push(this.current);
    if (this.current === 0xff) this.bytes.push(0x00);
    this.current = 0;
    this.count = 0;
  }
}

const segment = (marker: number, body: Buffer): Buffer => {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xff00 | marker, 0);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
};

/** The AC table: the 15 end-of-band symbols EOB0..EOB14, 4-bit codes equal to n (canonical order). */
const endOfBandSymbols = Array.from({ length: 15 }, (_, n) => n << 4);

/** End-of-band runs covering `blocks` blocks: EOBn with n extra bits says 2^n + bits blocks. */
function writeEndOfBandRuns(writer: EntropyWriter, blocks: number): void {
  let left = blocks;
  while (left > 0) {
    const run = Math.min(left, 32_767);
    const n = Math.floor(Math.log2(run));
    writer.write(n, 4);
    if (n > 0) writer.write(run - (1 << n), n);
    left -= run;
  }
}

export interface ManyScanJpegOptions {
  width: number;
  height: number;
  /** Successive-approximation bits per AC coefficient, 1 to 14: 14 gives the 2,647-scan file. */
  bitsPerCoefficient?: number;
}

export function manyScanJpeg({ width, height, bitsPerCoefficient = 14 }: ManyScanJpegOptions): Buffer {
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const frame = Buffer.alloc(6 + 3 * 3);
  frame.writeUInt8(8, 0);
  frame.writeUInt16BE(height, 1);
  frame.writeUInt16BE(width, 3);
  frame.writeUInt8(3, 5);
  for (let component = 0; component < 3; component++) frame.set([component + 1, 0x11, 0], 6 + component * 3);
  const huffman = Buffer.concat([
    // DC: one symbol (category 0, a difference of 0) with the 1-bit code 0.
    Buffer.from([0x00, 1, ...Array(15).fill(0), 0x00]),
    Buffer.from([0x10, 0, 0, 0, 15, ...Array(12).fill(0), ...endOfBandSymbols]),
  ]);
  const parts: Buffer[] = [
    Buffer.from([0xff, 0xd8]),
    segment(0xdb, Buffer.from([0x00, ...Array(64).fill(1)])),
    segment(0xc2, frame),
    segment(0xc4, huffman),
  ];
  // DC first scan, all three components interleaved: a zero difference per block.
  const dc = new EntropyWriter();
  for (let index = 0; index < blocks * 3; index++) dc.write(0, 1);
  parts.push(segment(0xda, Buffer.from([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0])), dc.finish());
  const lowestBit = 14 - bitsPerCoefficient;
  for (let component = 1; component <= 3; component++) {
    for (let coefficient = 1; coefficient <= 63; coefficient++) {
      for (let bit = 13; bit >= lowestBit; bit--) {
        // The first scan of a band sends bit 13 (Ah 0, Al 13); each refinement one bit lower.
        const successive = bit === 13 ? 13 : ((bit + 1) << 4) | bit;
        const ac = new EntropyWriter();
        writeEndOfBandRuns(ac, blocks);
        parts.push(
          segment(0xda, Buffer.from([1, component, 0x00, coefficient, coefficient, successive])),
          ac.finish(),
        );
      }
    }
  }
  parts.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

export interface Jpeg2000Options {
  width: number;
  height: number;
  components: number;
  /** opj_compress arguments beside the input and output (e.g. `['-r', '100']` for a lossy file). */
  extraArguments?: string[];
}

/** A codestream from opj_compress, of raw 8-bit samples (a smooth gradient, so it compresses well). */
export function jpeg2000Codestream({
  width,
  height,
  components,
  extraArguments = [],
}: Jpeg2000Options): Buffer {
  const folder = mkdtempSync(join(tmpdir(), 'ddx-j2k-'));
  try {
    const samples = Buffer.alloc(width * height * components);
    // opj_compress reads raw input planar: each component's plane in turn.
    for (let component = 0; component < components; component++) {
      const plane = component * width * height;
      for (let row = 0; row < height; row++) {
        samples.fill(
          (row * 255) / Math.max(1, height - 1) + component * 16,
          plane + row * width,
          plane + (row + 1) * width,
        );
      }
    }
    const input = join(folder, 'image.raw');
    const output = join(folder, 'image.j2k');
    writeFileSync(input, samples);
    const run = spawnSync(
      'opj_compress',
      ['-i', input, '-o', output, '-F', `${width},${height},${components},8,u`, ...extraArguments],
      { encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(`opj_compress failed: ${run.stderr || run.stdout}`);
    return readFileSync(output);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** A DICOM photo (modality XC) whose pixel data is one JPEG 2000 codestream. */
export function jpeg2000Dicom(
  codestream: Uint8Array,
  image: { rows: number; columns: number; samplesPerPixel: 1 | 3 },
): Buffer {
  return dicomFile({
    transferSyntax: jpeg2000LosslessUid,
    elements: [
      { tag: [0x0008, 0x0060], vr: 'CS', value: 'XC' },
      ...imagePixelElements({
        ...image,
        photometric: image.samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2',
        bitsAllocated: 8,
      }),
    ],
    pixelData: { fragments: [codestream] },
  });
}

/**
 * A codestream main header only (SOC, SIZ, COD, QCD, then EOC) claiming `components` 8-bit
 * components of `width` x `height` in one tile: what a decoder reads before it allocates, made
 * without any tool. A real decoder fails on the missing tile data; the header check comes first.
 */
export function jpeg2000HeaderClaiming(width: number, height: number, components: number): Buffer {
  const siz = Buffer.alloc(40 + components * 3);
  siz.writeUInt16BE(0xff51, 0);
  siz.writeUInt16BE(siz.length - 2, 2);
  siz.writeUInt32BE(width, 6);
  siz.writeUInt32BE(height, 10);
  siz.writeUInt32BE(width, 22); // one tile over the whole image
  siz.writeUInt32BE(height, 26);
  siz.writeUInt16BE(components, 38);
  for (let component = 0; component < components; component++) siz.set([7, 1, 1], 40 + component * 3);
  const cod = Buffer.from([0xff, 0x52, 0, 12, 0, 0, 0, 1, 0, 5, 4, 4, 0, 0]);
  const qcd = Buffer.from([0xff, 0x5c, 0, 4, 0x40, 0x40]);
  return Buffer.concat([Buffer.from([0xff, 0x4f]), siz, cod, qcd, Buffer.from([0xff, 0xd9])]);
}
