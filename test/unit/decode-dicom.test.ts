import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import sharp from 'sharp';
import { BadInputError } from '../../src/errors.js';
import { type DecodeLimits, decodeImage } from '../../src/imaging/decode-image.js';
import { dicomClinicalContext } from '../../src/imaging/dicom/dicom-clinical-context.js';
import {
  type DicomElement,
  dicomFile,
  fileMeta,
  imagePixelElements,
  jpegBaselineDicom,
  rleFrame,
  TransferSyntaxUid,
  words,
} from '../support/dicom-files.js';
import { failureOf, pixelAt } from '../support/unit-helpers.js';

const limits: DecodeLimits = { maxPixels: 50e6 };

/** A 4x2 16-bit ramp 0, 100, ..., 700: without a window it spans 0..255. */
const ramp = [0, 100, 200, 300, 400, 500, 600, 700];
const rampLevels = ramp.map((value) => Math.round((value / 700) * 255));

const greys = (pixels: Buffer) => Array.from({ length: pixels.length / 3 }, (_, index) => pixels[index * 3]);

async function badInputOf(bytes: Uint8Array, code: string, decodeLimits = limits): Promise<BadInputError> {
  const error = await failureOf(() => decodeImage(bytes, decodeLimits));
  assert.ok(error instanceof BadInputError, `expected BadInputError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.step, 'fetch-image');
  assert.doesNotMatch(error.message, /\n/, 'one line');
  return error;
}

function rampFile(transferSyntax: string, extra: DicomElement[] = []): Buffer {
  return dicomFile({
    transferSyntax,
    elements: [...imagePixelElements({ rows: 2, columns: 4 }), ...extra],
    pixelData: { native: words(ramp), vr: 'OW' },
  });
}

describe('decodeImage: DICOM transfer syntaxes', () => {
  for (const [name, uid] of [
    ['Explicit VR Little Endian', TransferSyntaxUid.explicitLittle],
    ['Implicit VR Little Endian', TransferSyntaxUid.implicitLittle],
    ['Explicit VR Big Endian', TransferSyntaxUid.explicitBig],
    ['Deflated Explicit VR Little Endian', TransferSyntaxUid.deflated],
  ] as const) {
    it(`decodes ${name} to a min-max windowed grey ramp`, async () => {
      const { image, format, dicom } = await decodeImage(rampFile(uid), limits);
      assert.equal(format, 'dicom');
      assert.equal(dicom?.transferSyntax, uid);
      assert.equal(image.width, 4);
      assert.equal(image.height, 2);
      assert.equal(image.pixels.length, 4 * 2 * 3);
      assert.deepEqual(greys(image.pixels), rampLevels);
      assert.deepEqual(pixelAt(image, 3, 1), [255, 255, 255]);
    });
  }

  it('decodes RLE Lossless, 16-bit grey', async () => {
    const file = dicomFile({
      transferSyntax: TransferSyntaxUid.rle,
      elements: imagePixelElements({ rows: 2, columns: 4 }),
      pixelData: { fragments: [rleFrame(ramp, 1, 2)] },
    });
    const { image } = await decodeImage(file, limits);
    assert.deepEqual(greys(image.pixels), rampLevels);
  });

  it('decodes RLE Lossless, 8-bit RGB', async () => {
    const samples = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
    const file = dicomFile({
      transferSyntax: TransferSyntaxUid.rle,
      elements: imagePixelElements({
        rows: 2,
        columns: 2,
        samplesPerPixel: 3,
        photometric: 'RGB',
        bitsAllocated: 8,
      }),
      pixelData: { fragments: [rleFrame(samples, 3, 1)] },
    });
    const { image } = await decodeImage(file, limits);
    assert.deepEqual([...image.pixels], samples);
  });

  it('decodes JPEG Baseline (a sharp-encoded YCbCr JPEG, YBR_FULL_422) to RGB', async () => {
    const jpeg = await sharp({
      create: { width: 40, height: 32, channels: 3, background: { r: 200, g: 30, b: 40 } },
    })
      .jpeg({ quality: 95 })
      .toBuffer();
    const file = jpegBaselineDicom(jpeg, { rows: 32, columns: 40 });
    const { image } = await decodeImage(file, limits);
    assert.equal(image.width, 40);
    assert.equal(image.height, 32);
    const [r = 0, g = 0, b = 0] = pixelAt(image, 20, 16);
    assert.ok(Math.abs(r - 200) <= 6 && Math.abs(g - 30) <= 6 && Math.abs(b - 40) <= 6, `${r},${g},${b}`);
  });

  it('refuses 12-bit JPEG Extended as UNSUPPORTED_FORMAT naming the transfer syntax', async () => {
    const jpeg = Buffer.from(
      await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
        .greyscale()
        .jpeg()
        .toBuffer(),
    );
    jpeg[jpeg.indexOf(Buffer.from([0xff, 0xc0])) + 4] = 12;
    const file = dicomFile({
      transferSyntax: TransferSyntaxUid.jpegExtended,
      elements: imagePixelElements({ rows: 16, columns: 16, bitsStored: 12 }),
      pixelData: { fragments: [jpeg] },
    });
    const error = await badInputOf(file, 'UNSUPPORTED_FORMAT');
    assert.match(
      error.message,
      /12-bit JPEG in transfer syntax 1\.2\.840\.10008\.1\.2\.4\.51 \(JPEG Extended/,
    );
  });

  it('refuses an MPEG-2 transfer syntax by name', async () => {
    const error = await badInputOf(rampFile(TransferSyntaxUid.mpeg2), 'UNSUPPORTED_FORMAT');
    assert.match(error.message, /1\.2\.840\.10008\.1\.2\.4\.100 \(MPEG-2 video\)/);
  });
});

describe('decodeImage: DICOM photometric interpretations', () => {
  it('applies rescale, the file window (PS3.3 C.11.2.1.2.1) and inverts MONOCHROME1', async () => {
    // Stored 12-bit signed values; rescale x2 - 100; window centre 100, width 101: 49.5..149.5.
    const stored = [-10, 74, 100, 200];
    const file = dicomFile({
      transferSyntax: TransferSyntaxUid.explicitLittle,
      elements: [
        ...imagePixelElements({
          rows: 1,
          columns: 4,
          photometric: 'MONOCHROME1',
          bitsStored: 12,
          pixelRepresentation: 1,
        }),
        { tag: [0x0028, 0x1050], vr: 'DS', value: '100\\40' },
        { tag: [0x0028, 0x1051], vr: 'DS', value: '101\\400' },
        { tag: [0x0028, 0x1052], vr: 'DS', value: '-100' },
        { tag: [0x0028, 0x1053], vr: 'DS', value: '2' },
      ],
      // High bits above Bits Stored set, as overlays leave them: they must be ignored.
      pixelData: { native: words(stored.map((value) => (value & 0x0fff) | 0xf000)), vr: 'OW' },
    });
    const { image } = await decodeImage(file, limits);
    // Modality values -120, 48, 100, 300 -> window levels 0, 0, 129, 255 -> inverted.
    assert.deepEqual(greys(image.pixels), [255, 255, 255 - 129, 0]);
  });

  it('interleaves RGB with planar configuration 1', async () => {
    const planes = [255, 0, 0, 255, 0, 0]; // R plane, G plane, B plane for 2 pixels
    const file = dicomFile({
      transferSyntax: TransferSyntaxUid.explicitLittle,
      elements: imagePixelElements({
        rows: 1,
        columns: 2,
        samplesPerPixel: 3,
        photometric: 'RGB',
        bitsAllocated: 8,
        planarConfiguration: 1,
      }),
      pixelData: { native: Uint8Array.from(planes), vr: 'OB' },
    });
    const { image } = await decodeImage(file, limits);
    assert.deepEqual(pixelAt(image, 0, 0), [255, 0, 0]);
    assert.deepEqual(pixelAt(image, 1, 0), [0, 255, 0]);
  });

  it('converts uncompressed YBR_FULL to RGB', async () => {
    // Pure red in full-range YCbCr: Y 76, Cb 85, Cr 255.
    const file = dicomFile({
      transferSyntax: TransferSyntaxUid.explicitLittle,
      elements: imagePixelElements({
        rows: 1,
        columns: 2,
        samplesPerPixel: 3,
        photometric: 'YBR_FULL',
        bitsAllocated: 8,
      }),
      pixelData: { native: Uint8Array.from([76, 85, 255, 76, 85, 255]), vr: 'OB' },
    });
    const [r = 0, g = 0, b = 0] = pixelAt((await decodeImage(file, limits)).image, 0, 0);
    assert.ok(r >= 250 && g <= 5 && b <= 5, `${r},${g},${b}`);
  });

  it('looks PALETTE COLOR up in 16-bit tables', async () => {
    const descriptor = [4, 0, 16];
    const table = (entries: number[]) => words(entries.map((value) => value * 257));
    const file = dicomFile({
      transferSyntax: TransferSyntaxUid.explicitLittle,
      elements: [
        ...imagePixelElements({ rows: 1, columns: 2, photometric: 'PALETTE COLOR', bitsAllocated: 8 }),
        { tag: [0x0028, 0x1101], vr: 'US', value: descriptor },
        { tag: [0x0028, 0x1102], vr: 'US', value: descriptor },
        { tag: [0x0028, 0x1103], vr: 'US', value: descriptor },
        { tag: [0x0028, 0x1201], vr: 'OW', value: table([0, 255, 10, 20]) },
        { tag: [0x0028, 0x1202], vr: 'OW', value: table([0, 0, 30, 40]) },
        { tag: [0x0028, 0x1203], vr: 'OW', value: table([0, 0, 50, 60]) },
      ],
      pixelData: { native: Uint8Array.from([1, 3]), vr: 'OB' },
    });
    const { image } = await decodeImage(file, limits);
    assert.deepEqual(pixelAt(image, 0, 0), [255, 0, 0]);
    assert.deepEqual(pixelAt(image, 1, 0), [20, 40, 60]);
  });
});

describe('decodeImage: bad DICOM', () => {
  it('calls a file cut in half CORRUPT_IMAGE', async () => {
    const file = rampFile(TransferSyntaxUid.explicitLittle);
    await badInputOf(file.subarray(0, file.length - 6), 'CORRUPT_IMAGE');
    await badInputOf(file.subarray(0, 140), 'CORRUPT_IMAGE');
  });

  it('calls an element whose length runs past the end CORRUPT_IMAGE', async () => {
    const file = rampFile(TransferSyntaxUid.explicitLittle, [
      { tag: [0x0010, 0x0010], vr: 'PN', value: 'Doe^Jane' },
    ]);
    const name = file.indexOf(Buffer.from('PN', 'latin1'));
    file.writeUInt16LE(0xfff0, name + 2);
    await badInputOf(file, 'CORRUPT_IMAGE');
  });

  it('calls pixel data claiming 2 GB CORRUPT_IMAGE, fast and without allocating it', async () => {
    const file = rampFile(TransferSyntaxUid.explicitLittle);
    const pixelData = file.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
    file.writeUInt32LE(0x7ffffff0, pixelData + 8);
    const started = performance.now();
    await badInputOf(file, 'CORRUPT_IMAGE');
    assert.ok(performance.now() - started < 500);
  });

  it('calls pixel data shorter than Rows x Columns CORRUPT_IMAGE', async () => {
    const file = dicomFile({
      transferSyntax: TransferSyntaxUid.explicitLittle,
      elements: imagePixelElements({ rows: 4, columns: 4 }),
      pixelData: { native: words(ramp), vr: 'OW' },
    });
    const error = await badInputOf(file, 'CORRUPT_IMAGE');
    assert.match(error.message, /holds 16 bytes, a 4 x 4 frame needs 32/);
  });

  it('calls a data set without Pixel Data CORRUPT_IMAGE', async () => {
    const file = dicomFile({
      transferSyntax: TransferSyntaxUid.explicitLittle,
      elements: imagePixelElements({ rows: 2, columns: 4 }),
    });
    const error = await badInputOf(file, 'CORRUPT_IMAGE');
    assert.match(error.message, /Pixel Data/);
  });

  it('calls a file meta group alone CORRUPT_IMAGE', async () => {
    await badInputOf(fileMeta(TransferSyntaxUid.explicitLittle), 'CORRUPT_IMAGE');
  });

  it('refuses a 60000 x 60000 bomb from the header as IMAGE_TOO_LARGE, before any pixel', async () => {
    const file = dicomFile({
      transferSyntax: TransferSyntaxUid.rle,
      elements: imagePixelElements({ rows: 60_000, columns: 60_000 }),
      pixelData: { fragments: [rleFrame(ramp, 1, 2)] },
    });
    const started = performance.now();
    const error = await badInputOf(file, 'IMAGE_TOO_LARGE');
    assert.ok(performance.now() - started < 500);
    assert.match(error.message, /60000 x 60000/);
  });

  it('refuses a deflated data set that inflates past its cap as IMAGE_TOO_LARGE', async () => {
    const meta = fileMeta(TransferSyntaxUid.deflated);
    const bomb = deflateRawSync(Buffer.alloc(20 * 1024 * 1024));
    await badInputOf(Buffer.concat([meta, bomb]), 'IMAGE_TOO_LARGE', { maxPixels: 100 });
  });

  it('refuses an image whose shorter side is under minSide as IMAGE_TOO_SMALL', async () => {
    await badInputOf(rampFile(TransferSyntaxUid.explicitLittle), 'IMAGE_TOO_SMALL', {
      maxPixels: 50e6,
      minSide: 32,
    });
  });

  it('refuses a JPEG fragment whose frame header disagrees with Rows and Columns', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    const file = jpegBaselineDicom(jpeg, { rows: 32, columns: 32 });
    const error = await badInputOf(file, 'CORRUPT_IMAGE');
    assert.match(error.message, /64 x 64, the data set says 32 x 32/);
  });
});

describe('dicomClinicalContext', () => {
  const withTags = (elements: DicomElement[]) =>
    dicomParser.parseDicom(rampFile(TransferSyntaxUid.explicitLittle, elements));

  it('reads body part, age in years and sex as context, and identifiers apart', () => {
    const facts = dicomClinicalContext(
      withTags([
        { tag: [0x0018, 0x0015], vr: 'CS', value: 'THORAX' },
        { tag: [0x0010, 0x1010], vr: 'AS', value: '061Y' },
        { tag: [0x0010, 0x0040], vr: 'CS', value: 'F' },
        { tag: [0x0010, 0x0010], vr: 'PN', value: 'Doe^Jane' },
        { tag: [0x0010, 0x0020], vr: 'LO', value: 'MRN-0042' },
        { tag: [0x0010, 0x0030], vr: 'DA', value: '19520314' },
      ]),
    );
    assert.deepEqual(facts, {
      context: { bodySite: 'thorax', ageYears: 61, sex: 'female' },
      patient: { name: 'Jane Doe', patientId: 'MRN-0042', dateOfBirth: '1952-03-14' },
    });
  });

  it('leaves out ages in months, weeks or days, unknown sexes and absent tags', () => {
    for (const age of ['006M', '003W', '010D']) {
      const facts = dicomClinicalContext(
        withTags([
          { tag: [0x0010, 0x1010], vr: 'AS', value: age },
          { tag: [0x0010, 0x0040], vr: 'CS', value: 'X' },
        ]),
      );
      assert.deepEqual(facts, { context: {}, patient: {} });
    }
  });
});
