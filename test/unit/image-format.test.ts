import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sniffImageFormat } from '../../src/imaging/image-format.js';
import { solidImage } from '../support/unit-helpers.js';

const red = { r: 200, g: 20, b: 30 };

/** The format name of a refused container. */
function refusedFormatOf(bytes: Uint8Array): string {
  const sniffed = sniffImageFormat(bytes);
  assert.equal(sniffed.supported, false, `expected ${sniffed.format} to be refused`);
  assert.ok(!sniffed.supported);
  assert.ok(sniffed.hint.length > 0, 'a refused format comes with a hint');
  return sniffed.format;
}

const bytesOf = (...parts: (string | number[] | Uint8Array)[]): Buffer =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );

/** An ISO-BMFF `ftyp` box with a major brand and compatible brands, then a little payload. */
function ftypBox(majorBrand: string, compatibleBrands: string[]): Buffer {
  const size = 16 + 4 * compatibleBrands.length;
  const header = Buffer.alloc(4);
  header.writeUInt32BE(size);
  return bytesOf(header, 'ftyp', majorBrand, [0, 0, 0, 0], compatibleBrands.join(''), [0, 0, 0, 8], 'meta');
}

/** 128-byte preamble followed by the DICOM magic and a first data element. */
function dicomFile(preamble: Buffer): Buffer {
  const filled = Buffer.alloc(128);
  preamble.copy(filled);
  return bytesOf(filled, 'DICM', [0x02, 0x00, 0x00, 0x00, 0x55, 0x4c, 0x04, 0x00]);
}

describe('sniffImageFormat: supported images made by sharp', () => {
  for (const format of ['jpeg', 'png', 'gif', 'webp', 'tiff', 'avif'] as const) {
    it(`recognises a sharp-encoded ${format}`, async () => {
      const bytes = await solidImage(16, 12, red, format);
      assert.deepEqual(sniffImageFormat(bytes), { supported: true, format });
    });
  }

  it('recognises a big-endian TIFF header', () => {
    assert.deepEqual(sniffImageFormat(bytesOf([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8])), {
      supported: true,
      format: 'tiff',
    });
  });

  it('recognises AVIF listed only as a compatible brand behind mif1', () => {
    assert.deepEqual(sniffImageFormat(ftypBox('mif1', ['mif1', 'miaf', 'avif'])), {
      supported: true,
      format: 'avif',
    });
  });

  it('recognises a GIF87a header', () => {
    assert.deepEqual(sniffImageFormat(bytesOf('GIF87a', [1, 0, 1, 0, 0, 0, 0])), {
      supported: true,
      format: 'gif',
    });
  });
});

describe('sniffImageFormat: DICOM Part 10', () => {
  const dicom = { supported: true, format: 'dicom' };

  it('recognises DICOM after a zeroed 128-byte preamble', () => {
    assert.deepEqual(sniffImageFormat(dicomFile(Buffer.alloc(0))), dicom);
  });

  it('recognises DICOM when the preamble is itself a little-endian TIFF header', () => {
    const tiffPreamble = bytesOf([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]);
    assert.deepEqual(sniffImageFormat(dicomFile(tiffPreamble)), dicom);
  });

  it('recognises DICOM when the preamble is itself a big-endian TIFF header', () => {
    assert.deepEqual(sniffImageFormat(dicomFile(bytesOf([0x4d, 0x4d, 0x00, 0x2a]))), dicom);
  });
});

describe('sniffImageFormat: refused containers are named', () => {
  it('names HEIC from an ftypheic brand box', () => {
    assert.equal(refusedFormatOf(ftypBox('heic', ['mif1', 'heic'])), 'HEIC');
  });

  it('names HEIC when heic is only a compatible brand', () => {
    assert.equal(refusedFormatOf(ftypBox('msf1', ['msf1', 'hevc'])), 'HEIC');
  });

  it('does not take an MP4 video for an image', () => {
    assert.equal(refusedFormatOf(ftypBox('isom', ['isom', 'iso2', 'mp41'])), 'unknown');
  });

  it('names PDF', () => {
    assert.equal(refusedFormatOf(bytesOf('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n')), 'PDF');
  });

  it('names SVG starting with the svg element', () => {
    assert.equal(
      refusedFormatOf(bytesOf('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')),
      'SVG',
    );
  });

  it('names SVG with an XML prolog', () => {
    const svg = '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>';
    assert.equal(refusedFormatOf(bytesOf(svg)), 'SVG');
  });

  it('names SVG with a DOCTYPE in upper case', () => {
    assert.equal(refusedFormatOf(bytesOf('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"><svg/>')), 'SVG');
  });

  it('names SVG after leading whitespace and newlines', () => {
    assert.equal(refusedFormatOf(bytesOf(' \r\n\t  <SVG viewBox="0 0 1 1"></SVG>')), 'SVG');
  });

  it('names SVG after a UTF-8 byte-order mark', () => {
    // Editors on Windows save SVG with EF BB BF in front.
    const svg = bytesOf([0xef, 0xbb, 0xbf], '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>');
    assert.equal(refusedFormatOf(svg), 'SVG');
  });

  it('names SVG after a UTF-8 byte-order mark and whitespace', () => {
    const svg = bytesOf([0xef, 0xbb, 0xbf], '\n  <svg xmlns="http://www.w3.org/2000/svg"/>');
    assert.equal(refusedFormatOf(svg), 'SVG');
  });

  it('names BMP', () => {
    const header = bytesOf('BM', [0x46, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 0x28, 0, 0, 0]);
    assert.equal(refusedFormatOf(header), 'BMP');
  });

  it('names a JPEG 2000 codestream (SOC + SIZ markers)', () => {
    assert.equal(refusedFormatOf(bytesOf([0xff, 0x4f, 0xff, 0x51, 0x00, 0x2f, 0x00, 0x00])), 'JPEG 2000');
  });

  it('names a JP2 file from its signature box', () => {
    const jp2 = bytesOf(
      [0x00, 0x00, 0x00, 0x0c],
      'jP  ',
      [0x0d, 0x0a, 0x87, 0x0a],
      [0, 0, 0, 0x14],
      'ftypjp2 ',
    );
    assert.equal(refusedFormatOf(jp2), 'JPEG 2000');
  });

  it('names a bare JPEG XL codestream', () => {
    assert.equal(refusedFormatOf(bytesOf([0xff, 0x0a, 0xfa, 0x1f, 0x41, 0x10])), 'JPEG XL');
  });

  it('names a JPEG XL container from its signature box', () => {
    const jxl = bytesOf(
      [0x00, 0x00, 0x00, 0x0c],
      'JXL ',
      [0x0d, 0x0a, 0x87, 0x0a],
      [0, 0, 0, 0x14],
      'ftypjxl ',
    );
    assert.equal(refusedFormatOf(jxl), 'JPEG XL');
  });

  it('calls plain text unknown and lists the supported formats', () => {
    const sniffed = sniffImageFormat(bytesOf('patient photo, see attached\n'));
    assert.ok(!sniffed.supported);
    assert.equal(sniffed.format, 'unknown');
    assert.match(sniffed.hint, /JPEG, PNG, WebP, GIF, TIFF, AVIF and DICOM Part 10/);
  });

  it('calls an empty buffer unknown instead of throwing', () => {
    assert.equal(refusedFormatOf(new Uint8Array(0)), 'unknown');
  });

  it('does not take a lone JPEG SOI marker without a third 0xFF byte for a JPEG', () => {
    assert.equal(refusedFormatOf(bytesOf([0xff, 0xd8, 0x00, 0x00])), 'unknown');
  });
});
