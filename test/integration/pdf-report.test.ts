import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { ReportImages } from '../../src/outputs/pdf-report/images-section.js';
import { reportImages } from '../../src/outputs/pdf-report/report-images.js';
import { pdfReport } from '../../src/outputs/pdf-report.js';
import { runTool, skipWithout } from '../support/external-tools.js';
import {
  everyRecordShape,
  failedRecord,
  localizedFinalRecord,
  outOfScopeRecord,
  widespreadUnassessedRecord,
} from '../support/reportable-records.js';

/** A plain grey "photo" the size the record says, so the only red on the page is the ROI outline. */
async function greyImages(): Promise<ReportImages> {
  const upload = await sharp({ create: { width: 720, height: 540, channels: 3, background: '#808080' } })
    .jpeg()
    .toBuffer();
  const crop = await sharp({ create: { width: 251, height: 202, channels: 3, background: '#707070' } })
    .jpeg()
    .toBuffer();
  return reportImages(upload, crop, { maxPixels: 50e6 });
}

describe('PDF report', () => {
  const tools = skipWithout('pdftoppm', 'pdftotext', 'pdfinfo');
  let folder: string;
  let images: ReportImages;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ddx-pdf-'));
    images = await greyImages();
  });
  after(() => rm(folder, { recursive: true, force: true }));

  async function render(name: string, pdf: Uint8Array) {
    const path = join(folder, `${name}.pdf`);
    await writeFile(path, pdf);
    const info = runTool('pdfinfo', [path]);
    assert.equal(info.status, 0, info.stderr);
    const pages = Number(/Pages:\s+(\d+)/.exec(info.stdout)?.[1]);
    const text = runTool('pdftotext', ['-layout', path, '-']);
    assert.equal(text.status, 0, text.stderr);
    const png = runTool('pdftoppm', ['-r', '50', '-png', '-f', '1', '-l', '1', path, join(folder, name)]);
    assert.equal(png.status, 0, png.stderr);
    return { path, pages, text: text.stdout.replace(/\s+/g, ' '), firstPage: join(folder, `${name}-1.png`) };
  }

  for (const [shape, build] of Object.entries(everyRecordShape)) {
    it(`renders on one or two A4 pages with the disclaimer on each: ${shape}`, { skip: tools }, async () => {
      const rendered = await render(shape.replace(/\W+/g, '-'), await pdfReport(build(), { images }));
      assert.ok(rendered.pages >= 1 && rendered.pages <= 2, `${rendered.pages} pages`);
      const disclaimers =
        rendered.text.match(/Decision support for review by a qualified clinician, not a diagnosis/g) ?? [];
      assert.ok(disclaimers.length >= rendered.pages, 'the disclaimer is on every page');
      const size = runTool('pdfinfo', [rendered.path]).stdout;
      assert.match(size, /Page size:\s+595\.\d* x 841\.\d* pts \(A4\)/);
      assert.doesNotMatch(rendered.text, /Jane|uploads\//);
    });
  }

  it('states findings with calibrated probabilities, the assessment, recommendations, codes, provenance and review', {
    skip: tools,
  }, async () => {
    const { text } = await render('full', await pdfReport(localizedFinalRecord(), { images }));
    for (const expected of [
      'Review state: FINAL: reviewed by a clinician',
      'Demo model: not validated for clinical use',
      'Melanoma 72% calibrated',
      'model 97%',
      'Confident: the findings passed every check',
      'Cutaneous melanoma [high]',
      'Dermoscopy by a dermatologist',
      'ICD-10-CM C43.59 Malignant melanoma of other part of trunk',
      'Classifier lesion-classifier 1.0.0: Demo model: not validated for clinical use',
      'Final: Dr. A. Reviewer',
      'region of interest (lesion, 100% detection confidence)',
    ]) {
      assert.ok(text.includes(expected), `"${expected}" is in the report`);
    }
  });

  it('draws the ROI on the image: red outline pixels only when there is an ROI', {
    skip: tools,
  }, async () => {
    const redPixels = async (file: string) => {
      const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      let count = 0;
      for (let offset = 0; offset < data.length; offset += info.channels) {
        const [red = 0, green = 0, blue = 0] = [data[offset], data[offset + 1], data[offset + 2]];
        if (red > 200 && green < 110 && blue < 110) count++;
      }
      return count;
    };
    const withRoi = await render('roi', await pdfReport(localizedFinalRecord(), { images }));
    assert.ok((await redPixels(withRoi.firstPage)) > 50);
    const without = await render(
      'no-roi',
      await pdfReport(widespreadUnassessedRecord(), { images: { ...images, crop: null } }),
    );
    assert.equal(await redPixels(without.firstPage), 0);
  });

  it('says what it cannot judge: not assessed, uncalibrated, out of scope, failed', {
    skip: tools,
  }, async () => {
    const unassessed = await render('unassessed', await pdfReport(widespreadUnassessedRecord()));
    assert.match(unassessed.text, /Not assessed: how far this result can be trusted was not judged/);
    assert.match(unassessed.text, /not calibrated/);
    assert.match(unassessed.text, /Validation status not stated/);
    const outOfScope = await render('oos', await pdfReport(outOfScopeRecord()));
    assert.match(outOfScope.text, /No findings are reported: the image is out of scope/);
    assert.doesNotMatch(outOfScope.text, /Melanoma 72%/);
    const failed = await render('failed', await pdfReport(failedRecord()));
    assert.match(failed.text, /failed at step fetch-image \(CORRUPT_IMAGE\)/);
  });

  it('names the patient only when the identifier store gives one', { skip: tools }, async () => {
    const anonymous = await render('anonymous', await pdfReport(localizedFinalRecord()));
    assert.doesNotMatch(anonymous.text, /Patient:/);
    const named = await render(
      'named',
      await pdfReport(localizedFinalRecord(), { patient: { name: 'Zelda Q Marker', patientId: 'MRN-9' } }),
    );
    assert.match(named.text, /Patient: Zelda Q Marker ID MRN-9/);
  });

  it('prints text outside the standard fonts as "?" instead of failing', { skip: tools }, async () => {
    const record = localizedFinalRecord();
    const review = record.review && { ...record.review, reviewer: 'Dr. 王 Ünal' };
    const { text } = await render('unicode', await pdfReport({ ...record, review }));
    assert.match(text, /Dr\. \? Ünal/);
  });

  it('is a PDF even where poppler is missing', async () => {
    const pdf = await pdfReport(localizedFinalRecord(), { images });
    assert.equal(Buffer.from(pdf.subarray(0, 5)).toString('latin1'), '%PDF-');
    assert.match(Buffer.from(pdf.subarray(-8)).toString('latin1'), /%%EOF\s*$/);
  });
});
