/**
 * Image bytes for the bad-input corpus, every one made in code: real encodings from sharp (of the
 * same skin-coloured test photo the pipeline tests use) and hand-built containers for what sharp
 * cannot or will not write (HEIC, SVG, DICOM, bombs, polyglots). Nothing is copied from real files.
 */
import { deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { dicomFile as dicomPart10, imagePixelElements, TransferSyntaxUid } from '../support/dicom-files.js';
import { sampleJpeg } from '../support/pipeline-fixture.js';
import { noisyPixels, pngChunk, pngHeaderChunk, pngSignature } from '../support/unit-helpers.js';

/** The test photo (skin tone, one dark lesion) as a sharp pipeline, ready to be re-encoded. */
export async function skinPhoto(width = 120, height = 90): Promise<Sharp> {
  return sharp(await sampleJpeg(width, height));
}

/** A skin-coloured PNG of any size, even sizes the test photo's lesion does not fit in (1x1). */
export function solidPhoto(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 150, b: 120 } } })
    .png()
    .toBuffer();
}

/** The first `fraction` of a noisy image's bytes: noise compresses badly, so real pixel data is lost. */
export async function truncatedImage(format: 'jpeg' | 'png', fraction = 0.5): Promise<Buffer> {
  const whole = await sharp(noisyPixels(200, 150), { raw: { width: 200, height: 150, channels: 3 } })
    .toFormat(format)
    .toBuffer();
  return whole.subarray(0, Math.floor(whole.length * fraction));
}

/** Frames of distinct colours joined into one animated image (GIF, WebP) or a multi-page TIFF. */
export async function multiFrame(frames: number, width = 60, height = 40): Promise<Sharp> {
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, index) =>
      sharp({
        create: { width, height, channels: 3, background: { r: 220 - index * 40, g: 170, b: 140 } },
      })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(pages, { join: { animated: true } });
}

/** A PNG header claiming `width` x `height`, one deflated row of data and IEND: a few hundred bytes. */
export function pngBomb(width: number, height: number): Buffer {
  const row = deflateSync(Buffer.alloc(1 + width * 3));
  return Buffer.concat([
    pngSignature,
    pngHeaderChunk(width, height),
    pngChunk('IDAT', row),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A real small JPEG whose start-of-frame is rewritten to claim `width` x `height`. */
export async function jpegClaiming(width: number, height: number): Promise<Buffer> {
  const jpeg = Buffer.from(await (await skinPhoto(32, 24)).jpeg().toBuffer());
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  if (sof < 0) throw new Error('the test JPEG has no SOF0 marker');
  jpeg.writeUInt16BE(height, sof + 5);
  jpeg.writeUInt16BE(width, sof + 7);
  return jpeg;
}

/** A real small lossy WebP whose VP8 frame header is rewritten to claim `width` x `height` (max 16383). */
export async function webpClaiming(width: number, height: number): Promise<Buffer> {
  const webp = Buffer.from(await (await skinPhoto(32, 24)).webp().toBuffer());
  // RIFF header (12), "VP8 " chunk header (8), frame tag (3), start code 9d 01 2a, then 14-bit sizes.
  if (webp.toString('latin1', 12, 16) !== 'VP8 ') throw new Error('the test WebP is not simple lossy');
  webp.writeUInt16LE(width & 0x3fff, 26);
  webp.writeUInt16LE(height & 0x3fff, 28);
  return webp;
}

/** A real small TIFF whose ImageWidth and ImageLength tags are rewritten to claim a huge size. */
export async function tiffClaiming(width: number, height: number): Promise<Buffer> {
  const tiff = Buffer.from(await (await skinPhoto(32, 24)).tiff().toBuffer());
  if (tiff.toString('latin1', 0, 2) !== 'II') throw new Error('the test TIFF is not little-endian');
  const ifd = tiff.readUInt32LE(4);
  const entries = tiff.readUInt16LE(ifd);
  for (let index = 0; index < entries; index++) {
    const entry = ifd + 2 + index * 12;
    const tag = tiff.readUInt16LE(entry);
    const type = tiff.readUInt16LE(entry + 2);
    const value = tag === 256 ? width : tag === 257 ? height : undefined;
    if (value === undefined) continue;
    // SHORT (3) or LONG (4), stored in the entry's value field.
    if (type === 3) tiff.writeUInt16LE(value, entry + 8);
    else tiff.writeUInt32LE(value, entry + 8);
  }
  return tiff;
}

/** A GIF whose logical screen is `width` x `height` but whose single frame is tiny. */
export async function gifClaiming(width: number, height: number): Promise<Buffer> {
  const gif = Buffer.from(await (await skinPhoto(32, 24)).gif().toBuffer());
  gif.writeUInt16LE(width, 6);
  gif.writeUInt16LE(height, 8);
  return gif;
}

/** An ISO-BMFF `ftyp` box naming HEIC brands, then an empty `meta` box: what an iPhone uploads. */
export function heicContainer(): Buffer {
  const ftyp = Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'),
  ]);
  const meta = Buffer.concat([Buffer.from([0, 0, 0, 0x0c]), Buffer.from('meta\0\0\0\0', 'latin1')]);
  return Buffer.concat([ftyp, meta, Buffer.alloc(256, 0x11)]);
}

/** An SVG that would fetch a remote image and read a local file if anything rendered it. */
export function svgWithExternalReferences(): Buffer {
  return Buffer.from(
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="120" height="90">',
      '  <image href="https://tracker.example.com/pixel.png" width="120" height="90"/>',
      '  <use xlink:href="file:///etc/hosts#x"/>',
      '  <text>&secret;</text>',
      '</svg>',
    ].join('\n'),
  );
}

/** The start of a DICOM Part 10 file: 128-byte preamble, "DICM", a file meta group, no data set. */
export function dicomHeaderOnly(): Buffer {
  const transferSyntax = Buffer.from('1.2.840.10008.1.2.1\0', 'latin1');
  const element = Buffer.alloc(8);
  element.writeUInt16LE(0x0002, 0);
  element.writeUInt16LE(0x0010, 2);
  element.write('UI', 4, 'latin1');
  element.writeUInt16LE(transferSyntax.length, 6);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), element, transferSyntax]);
}

/** The test photo as a VL Photographic-style DICOM: uncompressed RGB or JPEG Baseline. */
export async function dicomPhoto(
  encoding: 'uncompressed' | 'jpeg',
  width = 120,
  height = 90,
  /** XC: external-camera photography, what a clinic's camera app writes. */
  modality = 'XC',
): Promise<Buffer> {
  const photo = await skinPhoto(width, height);
  const jpeg = encoding === 'jpeg';
  const elements = [
    ...imagePixelElements({
      rows: height,
      columns: width,
      samplesPerPixel: 3,
      photometric: jpeg ? 'YBR_FULL_422' : 'RGB',
      bitsAllocated: 8,
    }),
    { tag: [0x0008, 0x0060], vr: 'CS', value: modality },
    { tag: [0x0018, 0x0015], vr: 'CS', value: 'BACK' },
  ] as const;
  if (jpeg) {
    return dicomPart10({
      transferSyntax: TransferSyntaxUid.jpegBaseline,
      elements: [...elements],
      pixelData: { fragments: [await photo.jpeg({ quality: 92 }).toBuffer()] },
    });
  }
  const rgb = await photo.removeAlpha().raw().toBuffer();
  return dicomPart10({
    transferSyntax: TransferSyntaxUid.explicitLittle,
    elements: [...elements],
    pixelData: { native: rgb, vr: 'OB' },
  });
}

/** An uncompressed DICOM whose Rows and Columns claim `size` x `size` over a few bytes of pixels. */
export function dicomClaiming(size: number): Buffer {
  return dicomPart10({
    transferSyntax: TransferSyntaxUid.explicitLittle,
    elements: imagePixelElements({ rows: size, columns: size }),
    pixelData: { native: Buffer.alloc(64), vr: 'OW' },
  });
}

/**
 * A valid JPEG that is also an HTML page (script in a comment segment) and a ZIP archive (an
 * end-of-central-directory record appended): browsers, unzip and image decoders each see their own.
 */
export async function jpegHtmlZipPolyglot(): Promise<Buffer> {
  const jpeg = await (await skinPhoto()).jpeg().toBuffer();
  const html = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>', 'latin1');
  const comment = Buffer.alloc(4);
  comment.writeUInt16BE(0xfffe, 0);
  comment.writeUInt16BE(html.length + 2, 2);
  const endOfCentralDirectory = Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]);
  // The comment goes right after SOI (the first two bytes).
  return Buffer.concat([jpeg.subarray(0, 2), comment, html, jpeg.subarray(2), endOfCentralDirectory]);
}

/**
 * A GIF/JavaScript polyglot: the GIF header's width bytes open a JS comment ("/*"), so the file
 * runs as a script; as an image it is a screen descriptor followed by no frame at all.
 */
export function gifJavascriptPolyglot(): Buffer {
  return Buffer.concat([
    Buffer.from('GIF89a/*', 'latin1'),
    Buffer.from([0x01, 0x00, 0x00, 0x00, 0x00]),
    Buffer.from('*/=1;alert(document.domain);//', 'latin1'),
  ]);
}

/** A valid PNG with an `iTXt` chunk of `size` bytes before the image data (camera apps put XMP there). */
export async function pngWithHugeTextChunk(size: number): Promise<Buffer> {
  const png = await (await skinPhoto()).png().toBuffer();
  const text = Buffer.concat([
    Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'),
    Buffer.alloc(size, 'a'.charCodeAt(0)),
  ]);
  // After the signature (8) and IHDR (25 bytes with length, type and CRC).
  return Buffer.concat([png.subarray(0, 33), pngChunk('iTXt', text), png.subarray(33)]);
}

/** A PNG whose image data has one flipped bit: the chunk's CRC no longer matches. */
export async function pngWithBadChecksum(): Promise<Buffer> {
  const png = Buffer.from(await (await skinPhoto()).png().toBuffer());
  const idat = png.indexOf('IDAT', 0, 'latin1');
  png[idat + 10] = (png[idat + 10] ?? 0) ^ 0x01;
  return png;
}
