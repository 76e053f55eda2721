/**
 * The decode budget (issue 9 item 2): headers are checked before any decode (JPEG scan count,
 * JPEG 2000 components, tiles and levels, DICOM frames), and the untrusted DICOM codecs decode in
 * a worker that is terminated on its deadline or when it spends its memory. Every refusal is the
 * non-retriable IMAGE_TOO_COMPLEX naming the limit; the event loop keeps running meanwhile.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { BadInputError } from '../../src/errors.js';
import { type DecodeBudget, defaultDecodeBudget } from '../../src/imaging/decode-budget.js';
import { decodeImage } from '../../src/imaging/decode-image.js';
import { jpegScanCount } from '../../src/imaging/jpeg-scans.js';
import { jpeg2000Header } from '../../src/imaging/jpeg2000-header.js';
import { dicomFile, imagePixelElements } from '../support/dicom-files.js';
import { skipWithout } from '../support/external-tools.js';
import { jpeg2000Codestream, jpeg2000Dicom, manyScanJpeg } from '../support/hostile-images.js';
import { failureOf } from '../support/unit-helpers.js';

const withoutOpenJpeg = skipWithout('opj_compress');

async function tooComplex(bytes: Uint8Array, budget: DecodeBudget = defaultDecodeBudget): Promise<string> {
  const error = await failureOf(() => decodeImage(bytes, { maxPixels: 50e6, budget }));
  assert.ok(error instanceof BadInputError, `expected BadInputError, got ${String(error)}`);
  assert.equal(error.code, 'IMAGE_TOO_COMPLEX', error.message);
  assert.equal(error.retriable, false);
  assert.equal(error.step, 'fetch-image');
  assert.doesNotMatch(error.message, /\n/);
  return error.message;
}

describe('JPEG scans', () => {
  it('counts the scans of a camera-style progressive JPEG and of the 2,647-scan file', async () => {
    const progressive = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c89678' } })
      .jpeg({ progressive: true })
      .toBuffer();
    const scans = jpegScanCount(progressive);
    assert.ok(scans > 1 && scans <= 12, `${scans} scans`);
    assert.equal(jpegScanCount(await sharp(progressive).jpeg().toBuffer()), 1, 'baseline: one scan');
    assert.equal(jpegScanCount(manyScanJpeg({ width: 64, height: 48 })), 2647);
    assert.equal(
      jpegScanCount(manyScanJpeg({ width: 64, height: 48 }), 100),
      101,
      'stops one past the limit',
    );
  });

  it('makes a valid file: libjpeg decodes the 2,647 scans to uniform grey', async () => {
    const { data, info } = await sharp(manyScanJpeg({ width: 64, height: 48 }), { failOn: 'error' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [64, 48]);
    assert.ok(data.every((value) => value === 128));
  });

  it('refuses the 2,647-scan JPEG from its markers, naming the limit', async () => {
    const message = await tooComplex(manyScanJpeg({ width: 2000, height: 1500 }));
    assert.match(message, /more than 100 scans/);
  });

  it('refuses it inside a DICOM file (JPEG Baseline pixel data) too', async () => {
    const file = dicomFile({
      transferSyntax: '1.2.840.10008.1.2.4.50',
      elements: imagePixelElements({
        rows: 48,
        columns: 64,
        samplesPerPixel: 3,
        photometric: 'YBR_FULL',
        bitsAllocated: 8,
      }),
      pixelData: { fragments: [manyScanJpeg({ width: 64, height: 48 })] },
    });
    assert.match(await tooComplex(file), /more than 100 scans/);
  });

  it('decodes a progressive JPEG within the limit', async () => {
    const jpeg = manyScanJpeg({ width: 64, height: 48, bitsPerCoefficient: 1 });
    assert.equal(jpegScanCount(jpeg), 1 + 3 * 63);
    const decoded = await decodeImage(jpeg, {
      maxPixels: 50e6,
      budget: { ...defaultDecodeBudget, maxJpegScans: 200 },
    });
    assert.deepEqual([decoded.image.width, decoded.image.height], [64, 48]);
  });
});

describe('JPEG 2000 headers', { skip: withoutOpenJpeg }, () => {
  it('reads size, components, bit depths, tiles and levels from SIZ and COD', () => {
    const header = jpeg2000Header(
      jpeg2000Codestream({
        width: 100,
        height: 70,
        components: 3,
        extraArguments: ['-t', '32,32', '-n', '4'],
      }),
    );
    assert.deepEqual(header, {
      width: 100,
      height: 70,
      components: 3,
      bitDepths: [8, 8, 8],
      tiles: 4 * 3,
      decompositionLevels: 3,
    });
  });

  it('refuses a DICOM whose codestream claims 16 components before decoding', async () => {
    const codestream = jpeg2000Codestream({ width: 64, height: 64, components: 16 });
    const message = await tooComplex(
      jpeg2000Dicom(codestream, { rows: 64, columns: 64, samplesPerPixel: 3 }),
    );
    assert.match(message, /claims 16 components \(the limit is 4/);
  });

  it('refuses a codestream of more tiles than the limit', async () => {
    const codestream = jpeg2000Codestream({
      width: 2200,
      height: 2100,
      components: 1,
      extraArguments: ['-t', '32,32', '-n', '3'],
    });
    const message = await tooComplex(
      jpeg2000Dicom(codestream, { rows: 2100, columns: 2200, samplesPerPixel: 1 }),
    );
    assert.match(message, /claims 4554 tiles \(the limit is 4096\)/);
  });

  it('refuses a codestream claiming more resolution levels than the limit', async () => {
    const codestream = Buffer.from(jpeg2000Codestream({ width: 64, height: 64, components: 1 }));
    const cod = codestream.indexOf(Buffer.from([0xff, 0x52]));
    codestream[cod + 9] = 30;
    const message = await tooComplex(
      jpeg2000Dicom(codestream, { rows: 64, columns: 64, samplesPerPixel: 1 }),
    );
    assert.match(message, /claims 30 resolution levels \(the limit is 12\)/);
  });

  it('decodes a small RGB JPEG 2000 DICOM in the worker', async () => {
    const codestream = jpeg2000Codestream({ width: 64, height: 40, components: 3 });
    const { image } = await decodeImage(
      jpeg2000Dicom(codestream, { rows: 40, columns: 64, samplesPerPixel: 3 }),
      {
        maxPixels: 50e6,
      },
    );
    assert.deepEqual([image.width, image.height, image.pixels.length], [64, 40, 64 * 40 * 3]);
    // The gradient the codestream was made of: row 0 is 0, 16, 32 (R, G, B), the last row 255.
    assert.deepEqual([...image.pixels.subarray(0, 3)], [0, 16, 32]);
    assert.equal(image.pixels[(39 * 64 + 5) * 3], 255);
  });
});

describe('the codec worker budget', { skip: withoutOpenJpeg }, () => {
  const large = () => {
    const codestream = jpeg2000Codestream({
      width: 3000,
      height: 3000,
      components: 3,
      extraArguments: ['-r', '50'],
    });
    return jpeg2000Dicom(codestream, { rows: 3000, columns: 3000, samplesPerPixel: 3 });
  };

  it('terminates a decode past its deadline, and the event loop keeps running meanwhile', async () => {
    const file = large();
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 20);
    try {
      const message = await tooComplex(file, { ...defaultDecodeBudget, timeoutMs: 400 });
      assert.match(message, /did not finish within its 400 ms budget/);
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 5, `the event loop ran ${ticks} timer ticks during the decode`);
  });

  it('refuses a decode that needs more memory than its budget', async () => {
    const message = await tooComplex(large(), { ...defaultDecodeBudget, memoryMb: 64 });
    assert.match(message, /needed more than its 64 MB memory budget/);
  });
});

describe('DICOM frames', () => {
  it('refuses a file claiming more frames than the limit', async () => {
    const file = dicomFile({
      transferSyntax: '1.2.840.10008.1.2.1',
      elements: [
        ...imagePixelElements({ rows: 40, columns: 40, bitsAllocated: 8 }),
        { tag: [0x0028, 0x0008], vr: 'IS', value: '200000' },
      ],
      pixelData: { native: new Uint8Array(40 * 40), vr: 'OB' },
    });
    assert.match(await tooComplex(file), /claims 200000 frames \(the limit is 10000\)/);
  });
});
