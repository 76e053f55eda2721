/**
 * Every DICOM sample of the shared test data (shared/data/SOURCES.md section 1, beside the
 * repository) through the decoder: each decodes to its documented size, and the malformed ones
 * fail with a one-line bad-input error. A clone without the shared folder skips this file; the
 * samples are never copied into the repository.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/config.js';
import { BadInputError } from '../../src/errors.js';
import { decodeImage } from '../../src/imaging/decode-image.js';

const sampleDirectory = resolve(packageRoot, '../shared/data/dicom');
const skip = existsSync(sampleDirectory) ? false : `no sample folder at ${sampleDirectory}`;

/** Width x height as SOURCES.md gives them (first frame of multi-frame files). */
const decodes: Record<string, [number, number]> = {
  'dicom-test-files__WG04_VL1_J2KI.dcm': [756, 486],
  'dicom4ortho__test_XC_VLPhotographic.dcm': [409, 517],
  'highdicom__dx_image.dcm': [211, 169],
  'pydicom-data__JPGLosslessP14SV1_1s_1f_8b.dcm': [1024, 768],
  'pydicom-data__RG3_J2KI.dcm': [1760, 1760],
  'pydicom-data__US1_J2KI.dcm': [640, 480],
  'pydicom-data__bad_sequence.dcm': [512, 512],
  'pydicom-data__emri_small_RLE.dcm': [64, 64],
  'pydicom__CT_small.dcm': [128, 128],
  'pydicom__MR_small_RLE.dcm': [64, 64],
  'pydicom__MR_small_bigendian.dcm': [64, 64],
  'pydicom__MR_small_implicit.dcm': [64, 64],
  'pydicom__MR_small_jp2klossless.dcm': [64, 64],
  'pydicom__MR_small_jpeg_ls_lossless.dcm': [64, 64],
  'pydicom__SC_rgb_jpeg_dcmtk.dcm': [100, 100],
  'pydicom__SC_rgb_small_odd.dcm': [3, 3],
  'pydicom__dicomdirtests_77654033_CR1_6154.dcm': [16, 16],
  'pydicom__examples_ybr_color.dcm': [320, 240],
  'pydicom__image_dfl.dcm': [512, 512],
};

const fails: Record<string, { code: string; message: RegExp }> = {
  'pydicom__MR_truncated.dcm': { code: 'CORRUPT_IMAGE', message: /truncated or malformed/ },
  'pydicom-data__emri_small_jpeg_2k_lossless_too_short.dcm': {
    code: 'CORRUPT_IMAGE',
    message: /without its sequence delimiter/,
  },
  // No preamble, no "DICM": not recognised as DICOM Part 10 at all.
  'pydicom__no_meta.dcm': { code: 'UNSUPPORTED_FORMAT', message: /unknown/ },
  // 12-bit JPEG: no maintained decoder on npm (sharp's libjpeg build is 8-bit only).
  'pydicom__JPGExtended.dcm': {
    code: 'UNSUPPORTED_FORMAT',
    message: /12-bit JPEG in transfer syntax 1\.2\.840\.10008\.1\.2\.4\.51/,
  },
};

// minSide 1: the samples include 3x3 and 16x16 test images.
const limits = { maxPixels: 50e6, minSide: 1 };

describe('decodeImage on the shared DICOM samples', { skip }, () => {
  for (const [file, [width, height]] of Object.entries(decodes)) {
    it(`${file} decodes to ${width} x ${height}`, async () => {
      const { image, format } = await decodeImage(await readFile(join(sampleDirectory, file)), limits);
      assert.equal(format, 'dicom');
      assert.deepEqual([image.width, image.height], [width, height]);
      assert.equal(image.pixels.length, width * height * 3);
    });
  }

  for (const [file, expected] of Object.entries(fails)) {
    it(`${file} fails with ${expected.code}`, async () => {
      await assert.rejects(
        decodeImage(await readFile(join(sampleDirectory, file)), limits),
        (error: unknown) => {
          assert.ok(error instanceof BadInputError);
          assert.equal(error.code, expected.code);
          assert.match(error.message, expected.message);
          assert.doesNotMatch(error.message, /\n/);
          return true;
        },
      );
    });
  }
});
