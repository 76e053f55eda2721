import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContextWarningCode } from '../../src/domain.js';
import type { ReportableRecord } from '../../src/outputs/reportable-record.js';
import { orderedSteps } from '../../src/web/views/record/step-timeline.js';
import { RecordPage } from '../../src/web/views/record-page.js';
import {
  failedRecord,
  localizedFinalRecord,
  outOfScopeRecord,
  wholeImageUncertainRecord,
  widespreadUnassessedRecord,
} from '../support/reportable-records.js';
import { hostile, html, recordPageProps, uploader } from '../support/view-props.js';

/** The localized record with a second, weaker detection beside the chosen one. */
function twoDetectionRecord(): ReportableRecord {
  const record = localizedFinalRecord();
  const localization = record.localization;
  assert.ok(localization);
  return {
    ...record,
    localization: {
      ...localization,
      detections: [
        ...localization.detections,
        { box: { x: 400, y: 300, width: 80, height: 60 }, confidence: 0.41, label: 'lesion' },
      ],
    },
    // As the pipeline writes them: a sub-step is timed (and listed) before its step finishes.
    timings: {
      'fetch-image.download': 9,
      'load-context': 4.2,
      'fetch-image': 18,
      'localize.inference': 40,
      localize: 61,
      classify: 22,
      total: 140,
    },
  };
}

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(new RegExp(pattern, 'g'))].length;
}

describe('record page view', () => {
  it('draws every detection as an SVG box with its confidence, the ROI distinct, the crop area dashed', async () => {
    const page = await html(RecordPage(recordPageProps(twoDetectionRecord())));
    assert.match(page, /<svg class="overlay" viewBox="0 0 720 540"/);
    assert.match(
      page,
      /<image href="\/v1\/records\/rec_[0-9a-f]+\/image" x="0" y="0" width="720" height="540"/,
    );
    assert.equal(count(page, /<g class="detection roi"/), 1, 'one ROI');
    assert.equal(count(page, /<g class="detection"/), 1, 'one other detection');
    const roi = /<g class="detection roi"[^>]*>(.*?)<\/g>/s.exec(page)?.[1] ?? '';
    assert.match(roi, /<rect class="box" x="60.4" y="88.1" width="192.9" height="155.1"/);
    assert.match(roi, />ROI · lesion &gt;99%</);
    const other = /<g class="detection" [^>]*>(.*?)<\/g>/s.exec(page)?.[1] ?? '';
    assert.match(other, /<rect class="box" x="400" y="300" width="80" height="60"/);
    assert.match(other, />lesion 41%</);
    assert.match(page, /<rect class="crop-area" data-crop-area="" x="31" y="65" width="251" height="202"/);
  });

  it('shows the crop with a link to open it', async () => {
    const record = localizedFinalRecord();
    const page = await html(RecordPage(recordPageProps(record)));
    assert.match(page, new RegExp(`<img src="/v1/records/${record.id}/crop"`));
    assert.match(
      page,
      new RegExp(`<a href="/v1/records/${record.id}/crop"[^>]*class="open-crop">Open the crop</a>`),
    );
    const whole = await html(RecordPage(recordPageProps(wholeImageUncertainRecord())));
    assert.doesNotMatch(whole, /Open the crop/);
    assert.doesNotMatch(whole, /class="detection/);
    assert.match(whole, /the whole image was classified/);
  });

  it('draws the ranked labels as bars, calibrated, with the raw probability beside', async () => {
    const page = await html(RecordPage(recordPageProps(localizedFinalRecord())));
    const labels = [...page.matchAll(/<li data-label="([^"]+)" data-probability="([^"]+)">/g)].map(
      (m) => m[1],
    );
    assert.deepEqual(labels, [
      'melanoma',
      'melanocytic-nevus',
      'seborrheic-keratosis',
      'basal-cell-carcinoma',
      'vascular-lesion',
    ]);
    const melanoma = /<li data-label="melanoma".*?<\/li>/s.exec(page)?.[0] ?? '';
    assert.match(melanoma, /72%<span class="muted"> \(raw 97%\)/);
    assert.match(melanoma, /<div class="fill" style="width:72.0%"><\/div>/);
    assert.match(melanoma, /<div class="bar raw" role="presentation"><div class="fill" style="width:97.0%">/);
    assert.match(page, /Calibrated probabilities \(temperature scaling, T = 1.8\)/);
    const uncalibrated = await html(RecordPage(recordPageProps(widespreadUnassessedRecord())));
    assert.match(uncalibrated, /not calibrated/);
    assert.doesNotMatch(uncalibrated, /\(raw /);
  });

  it('reads the raw probability from the label itself when the record keeps it there', async () => {
    const record = widespreadUnassessedRecord();
    assert.ok(record.classification);
    const labels = record.classification.labels.map((label, index) => ({
      ...label,
      rawProbability: [0.9, 0.07, 0.03][index],
    }));
    const page = await html(
      RecordPage(recordPageProps({ ...record, classification: { ...record.classification, labels } })),
    );
    assert.match(page, /60%<span class="muted"> \(raw 90%\)/);
  });

  it('puts the assessment verdict and its reasons first, and says when there is none', async () => {
    const uncertain = await html(RecordPage(recordPageProps(wholeImageUncertainRecord())));
    const banner = uncertain.indexOf('data-verdict="uncertain"');
    assert.ok(
      banner > 0 && banner < uncertain.indexOf('id="image-heading"'),
      'the verdict comes before the image',
    );
    assert.match(uncertain, /Assessment: Uncertain: a weak answer/);
    assert.match(
      uncertain,
      /<li data-reason="LOW_MARGIN"><code>LOW_MARGIN<\/code>: the two most likely labels are within 10 points<\/li>/,
    );
    const unassessed = await html(RecordPage(recordPageProps(widespreadUnassessedRecord())));
    assert.match(unassessed, /<h2>Not assessed<\/h2>/);
    assert.doesNotMatch(unassessed, /data-verdict=/);
  });

  it('reports no finding for an out-of-scope image and the error of a failed one', async () => {
    const outOfScope = await html(RecordPage(recordPageProps(outOfScopeRecord())));
    assert.match(outOfScope, /Assessment: Out of scope/);
    assert.match(outOfScope, /NOT_SKIN/);
    assert.doesNotMatch(outOfScope, /<li data-label=/);
    assert.match(outOfScope, /No recommendations were made/);
    const failed = await html(RecordPage(recordPageProps(failedRecord())));
    assert.match(failed, /No result: the analysis failed/);
    assert.match(failed, /<code>fetch-image<\/code> \(<code>CORRUPT_IMAGE<\/code>\): the JPEG is truncated/);
    assert.match(failed, /No image was decoded/);
  });

  it('says a demo model is one, in words, and never calls an unstated model validated', async () => {
    const page = await html(RecordPage(recordPageProps(localizedFinalRecord())));
    assert.equal(
      count(page, /demo model, trained on synthetic images, not for clinical use/),
      2,
      'detector and classifier',
    );
    const unstated = await html(RecordPage(recordPageProps(widespreadUnassessedRecord())));
    assert.match(
      unstated,
      /rash-classifier 1.0.0: <span class="demo">status not stated: not validated for clinical use/,
    );
    assert.doesNotMatch(unstated, /validated \(its model card says so\)/);
  });

  it('shows recommendations, codes with descriptions, what was dropped and why, and the prompt', async () => {
    const page = await html(RecordPage(recordPageProps(localizedFinalRecord())));
    assert.match(page, /<strong>Cutaneous melanoma \(high likelihood; C43.59\)<\/strong>: Asymmetric/);
    assert.match(page, /<strong>Excision biopsy with 1-3 mm margins<\/strong>/);
    assert.match(
      page,
      /<tr data-code="C43.59"><td><code>C43.59<\/code>.*?<td>Malignant melanoma of other part of trunk<\/td>/s,
    );
    assert.match(
      page,
      /<li data-dropped="C43.X"><code>C43.X<\/code> from openai: not in the code table<\/li>/,
    );
    assert.match(page, /ddx-recommendations version 1/);
    assert.match(page, /No CPT mapping is configured/);
  });

  it('draws a step timeline from the timings, sub-steps under their step', async () => {
    const page = await html(RecordPage(recordPageProps(twoDetectionRecord())));
    const steps = [...page.matchAll(/<li class="(step|sub)" data-step="([^"]+)">/g)].map(
      (m) => `${m[1]}:${m[2]}`,
    );
    assert.deepEqual(steps, [
      'step:load-context',
      'step:fetch-image',
      'sub:fetch-image.download',
      'step:localize',
      'sub:localize.inference',
      'step:classify',
      'step:total',
    ]);
    assert.match(page, /data-step="localize">.*?style="width:43.6%".*?61 ms/s);
  });

  it('lists a sub-step whose step is not timed after the steps, and no timeline without timings', async () => {
    assert.deepEqual(
      orderedSteps({ 'recommend.prompt': 3, route: 1, 'route.table': 0.5, classify: 9, total: 20 }).map(
        ([name]) => name,
      ),
      ['route', 'route.table', 'classify', 'recommend.prompt'],
    );
    const page = await html(RecordPage(recordPageProps({ ...failedRecord(), timings: {} })));
    assert.match(page, /No timings were recorded/);
  });

  it('gives a reviewer the review form with its CSRF field, and an uploader none', async () => {
    const record = wholeImageUncertainRecord();
    const page = await html(RecordPage(recordPageProps(record)));
    const form = /<form class="stack review-form" method="post" action="([^"]+)">(.*?)<\/form>/s.exec(page);
    assert.ok(form, 'a review form');
    assert.equal(form[1], `/records/${record.id}/review`);
    assert.match(form[2] ?? '', /<input type="hidden" name="csrf" value="csrf-token-123"\/>/);
    for (const decision of ['accept', 'amend', 'reject']) {
      assert.match(form[2] ?? '', new RegExp(`name="decision" value="${decision}"`));
    }
    for (const field of ['diagnosis', 'codes', 'comment'])
      assert.match(form[2] ?? '', new RegExp(`name="${field}"`));
    assert.match(page, /data-review-state="preliminary"/);
    const asUploader = await html(RecordPage(recordPageProps(record, { principal: uploader })));
    assert.doesNotMatch(asUploader, /review-form/);
    assert.match(asUploader, /Your role \(uploader\) may read this result but not review it/);
    assert.match(asUploader, /The audit trail is shown to reviewers and admins/);
  });

  it('shows the review and the audit trail', async () => {
    const record = localizedFinalRecord();
    const page = await html(
      RecordPage(
        recordPageProps(record, {
          audit: [
            {
              id: 'audit-1',
              recordId: record.id,
              at: '2026-11-28T12:00:00.000Z',
              actor: 'token:dr-reviewer',
              action: 'review.accept',
              before: null,
              after: record.review,
            },
          ],
        }),
      ),
    );
    assert.match(page, /data-review-state="final"/);
    assert.match(page, /Signed off by Dr. A. Reviewer on 2026-11-28 12:00 UTC/);
    assert.match(page, /<dd>Melanoma, refer for excision<\/dd>/);
    assert.match(
      page,
      /<tr data-audit-action="review.accept"><td>2026-11-28 12:00 UTC<\/td><td>token:dr-reviewer<\/td><td>review.accept<\/td><td>none → final<\/td><\/tr>/,
    );
  });

  it('says beside the finding what kind of model made it, what to do next, and what the mask measured', async () => {
    const base = wholeImageUncertainRecord();
    assert.ok(base.classification && base.assessment);
    const roi = localizedFinalRecord().localization?.roi;
    assert.ok(roi && base.localization);
    const record = {
      ...base,
      localization: {
        ...base.localization,
        roi: { ...roi, mask: { areaFraction: 0.0734, borderIrregularity: 1.62 } },
      },
      classification: { ...base.classification, modelNotice: 'A demo model: it has never seen a patient.' },
      assessment: { ...base.assessment, action: 'Retake the photo in focus, or refer.' },
    };
    const page = await html(RecordPage(recordPageProps(record)));
    assert.match(page, /<p class="demo">A demo model: it has never seen a patient.<\/p>/);
    assert.match(page, /<strong>Next:<\/strong> Retake the photo in focus, or refer./);
    assert.match(page, /Lesion mask: 7.3% of the image, border irregularity 1.62/);
  });

  it('shows the de-identified context and the codes of the fields left out of it', async () => {
    const base = localizedFinalRecord();
    assert.ok(base.context);
    const warnings: ContextWarningCode[] = ['BODY_SITE_NOT_IN_VOCABULARY', 'PATIENT_NAME_CONFLICT'];
    const context = { ...base.context, warnings };
    const page = await html(RecordPage(recordPageProps({ ...base, context })));
    assert.match(page, /<dt>Body site<\/dt><dd>back<\/dd>/);
    assert.match(page, /<dt>Age<\/dt><dd>54<\/dd>/);
    assert.match(
      page,
      /<dt>Left out<\/dt><dd><code>BODY_SITE_NOT_IN_VOCABULARY<\/code>, <code>PATIENT_NAME_CONFLICT<\/code>/,
    );
    assert.doesNotMatch(await html(RecordPage(recordPageProps(base))), /Left out/);
  });

  it('links the documents derived from the record, the DICOM SR only for a DICOM input', async () => {
    const record = localizedFinalRecord();
    const page = await html(RecordPage(recordPageProps(record)));
    assert.match(page, new RegExp(`<a href="/v1/records/${record.id}/report.pdf">PDF report</a>`));
    assert.match(page, new RegExp(`<a href="/v1/records/${record.id}/fhir">FHIR R4 Bundle</a>`));
    assert.doesNotMatch(page, /DICOM SR/);
    const dicom = {
      sopClassUid: '1.2.840.10008.5.1.4.1.1.77.1.4',
      sopInstanceUid: '1.2.3.4',
      studyInstanceUid: '1.2.3',
      seriesInstanceUid: '1.2.3.5',
      frames: 1,
    };
    assert.match(await html(RecordPage(recordPageProps({ ...record, dicom }))), /dicom-sr">DICOM SR</);
  });

  it('shows a DICOM upload as the pipeline decoded it (the preview JPEG), with the boxes over it', async () => {
    const record = localizedFinalRecord();
    assert.ok(record.image);
    const page = await html(
      RecordPage(recordPageProps({ ...record, image: { ...record.image, format: 'dicom' } })),
    );
    assert.match(page, new RegExp(`<image href="/v1/records/${record.id}/preview.jpg"`));
    assert.doesNotMatch(page, new RegExp(`/v1/records/${record.id}/image"`));
    assert.match(page, /A browser cannot show dicom: shown as the pipeline decoded it \(windowed\)/);
    assert.match(page, /<g class="detection roi"/);
  });

  it('shows a JPEG upload as it was uploaded', async () => {
    const record = localizedFinalRecord();
    const page = await html(RecordPage(recordPageProps(record)));
    assert.match(page, new RegExp(`<image href="/v1/records/${record.id}/image"`));
  });

  it('escapes hostile strings from every part of the record', async () => {
    const base = twoDetectionRecord();
    assert.ok(base.localization && base.classification && base.recommendation && base.billing);
    const record: ReportableRecord = {
      ...base,
      id: 'rec_"><script>',
      localization: {
        ...base.localization,
        note: hostile,
        detections: base.localization.detections.map((detection) => ({ ...detection, label: hostile })),
      },
      classification: { ...base.classification, labels: [{ label: hostile, probability: 0.5 }] },
      assessment: { verdict: 'uncertain', reasons: [{ code: hostile, message: hostile }], scores: {} },
      recommendation: { ...base.recommendation, uncertainty: hostile, disclaimer: hostile },
      billing: { ...base.billing, dropped: [{ code: hostile, source: hostile, reason: hostile }] },
      review: {
        state: 'rejected',
        reviewer: hostile,
        at: hostile,
        diagnosis: hostile,
        codes: [hostile],
        comment: hostile,
      },
      timings: { [hostile]: 3, total: 3 },
    };
    const page = await html(RecordPage(recordPageProps(record, { csrfToken: hostile, error: hostile })));
    assert.doesNotMatch(page, /<script>alert/);
    assert.doesNotMatch(page, /<img src=x/);
    assert.ok(count(page, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/) >= 10);
    assert.match(page, /\/records\/rec_%22%3E%3Cscript%3E\/review/);
  });
});
