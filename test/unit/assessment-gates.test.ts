/**
 * Every gate of the assessment and every verdict rule (issue 10 item 1), on real signals computed
 * from drawn images and on the stored thresholds where a rule's numbers matter.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionableGate } from '../../src/assessment/actionable-gate.js';
import { blurGate } from '../../src/assessment/blur-gate.js';
import { cropSizeGate } from '../../src/assessment/crop-size-gate.js';
import { dicomGate } from '../../src/assessment/dicom-gate.js';
import { exposureGates } from '../../src/assessment/exposure-gate.js';
import { extentGuessGate } from '../../src/assessment/extent-guess-gate.js';
import { imageTypeGate } from '../../src/assessment/image-type-gate.js';
import { lesionFoundGate } from '../../src/assessment/lesion-found-gate.js';
import { malignancyRule } from '../../src/assessment/malignancy-rule.js';
import { marginGate } from '../../src/assessment/margin-gate.js';
import { outOfDistributionGate } from '../../src/assessment/out-of-distribution-gate.js';
import { outOfDistributionScore } from '../../src/assessment/out-of-distribution-score.js';
import { probabilityGate } from '../../src/assessment/probability-gate.js';
import { skinGate } from '../../src/assessment/skin-gate.js';
import { verdictOf } from '../../src/assessment/verdict.js';
import type { DecodedImage } from '../../src/domain.js';
import { clippedPixelFraction } from '../../src/imaging/clipped-pixel-fraction.js';
import { laplacianVariance } from '../../src/imaging/laplacian-variance.js';
import { skinPixelFraction } from '../../src/imaging/skin-pixel-fraction.js';
import { type ClassificationCard, modelCardSchema } from '../../src/models/model-card.js';
import { calibrateLabels } from '../../src/models/temperature-scaling.js';
import { bundledAssessmentThresholds } from '../support/pipeline-fixture.js';

/** An image of one colour, with a checkerboard of `contrast` when asked (for sharpness). */
function drawn(width: number, height: number, rgb: [number, number, number], contrast = 0): DecodedImage {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const shift = ((x >> 2) + (y >> 2)) % 2 === 0 ? contrast : -contrast;
      for (let channel = 0; channel < 3; channel++) {
        pixels[(y * width + x) * 3 + channel] = Math.max(0, Math.min(255, (rgb[channel] ?? 0) + shift));
      }
    }
  }
  return { width, height, pixels };
}

const labels = (...pairs: [string, number][]) =>
  pairs.map(([label, probability]) => ({ label, probability, rawProbability: probability }));

describe('image signals', () => {
  it('counts skin-coloured pixels in YCbCr and leaves black pixels out', () => {
    assert.equal(skinPixelFraction(drawn(16, 16, [224, 172, 140])).fraction, 1);
    assert.equal(skinPixelFraction(drawn(16, 16, [40, 90, 220])).fraction, 0);
    const black = skinPixelFraction(drawn(16, 16, [0, 0, 0]));
    assert.deepEqual(black, { fraction: 0, judged: 0 });
  });

  it('measures sharpness as the variance of the Laplacian', () => {
    assert.equal(laplacianVariance(drawn(32, 32, [128, 128, 128])), 0);
    assert.ok(laplacianVariance(drawn(32, 32, [128, 128, 128], 40)) > 100);
  });

  it('measures burnt-out and crushed pixels', () => {
    assert.deepEqual(clippedPixelFraction(drawn(8, 8, [255, 255, 255])), { over: 1, under: 0 });
    assert.deepEqual(clippedPixelFraction(drawn(8, 8, [2, 2, 2])), { over: 0, under: 1 });
  });
});

describe('out-of-scope gates', () => {
  it('NOT_SKIN below the skin fraction', () => {
    assert.equal(skinGate(0.2, 0.7)?.code, 'NOT_SKIN');
    assert.equal(skinGate(0.2, 0.7)?.severity, 'out-of-scope');
    assert.equal(skinGate(0.8, 0.7), null);
  });

  it('BLURRED below the Laplacian variance', () => {
    assert.equal(blurGate(3, 14)?.code, 'BLURRED');
    assert.equal(blurGate(30, 14), null);
  });

  it('OVEREXPOSED and UNDEREXPOSED past their clipped fractions', () => {
    const limits = { maxOverexposedFraction: 0.05, maxUnderexposedFraction: 0.15 };
    assert.deepEqual(
      exposureGates({ over: 0.4, under: 0.5 }, limits).map((finding) => finding.code),
      ['OVEREXPOSED', 'UNDEREXPOSED'],
    );
    assert.deepEqual(exposureGates({ over: 0.01, under: 0.1 }, limits), []);
  });

  it('CROP_TOO_SMALL when the crop is narrower than the minimum', () => {
    assert.equal(cropSizeGate({ x: 0, y: 0, width: 20, height: 80 }, 32)?.code, 'CROP_TOO_SMALL');
    assert.equal(cropSizeGate({ x: 0, y: 0, width: 40, height: 80 }, 32), null);
    assert.equal(cropSizeGate(null, 32), null);
  });

  it('DICOM: another modality or an internal body part is out of scope; a generic capture uncertain', () => {
    const rules = bundledAssessmentThresholds.dicom;
    assert.equal(dicomGate({ modality: 'CT' }, rules)?.code, 'DICOM_MODALITY');
    assert.equal(
      dicomGate({ modality: 'OT', bodyPartExamined: 'esophagus' }, rules)?.code,
      'DICOM_BODY_PART',
    );
    assert.equal(dicomGate({ modality: 'OT' }, rules)?.severity, 'uncertain');
    assert.equal(dicomGate({ modality: 'XC', bodyPartExamined: 'ARM' }, rules), null);
    assert.equal(dicomGate(null, rules), null);
  });
});

describe('uncertain gates', () => {
  it('OUT_OF_DISTRIBUTION when the energy is above the card threshold', () => {
    const familiar = outOfDistributionScore(
      [
        { label: 'a', probability: 0.99, logit: 9 },
        { label: 'b', probability: 0.01, logit: 1 },
      ],
      'energy',
    );
    const unfamiliar = outOfDistributionScore(
      [
        { label: 'a', probability: 0.6, logit: 0.4 },
        { label: 'b', probability: 0.4, logit: 0 },
      ],
      'energy',
    );
    const card = { score: 'energy' as const, threshold: -2.4 };
    assert.ok(familiar && familiar.score < -9);
    assert.equal(outOfDistributionGate(familiar, card), null);
    assert.equal(outOfDistributionGate(unfamiliar, card)?.code, 'OUT_OF_DISTRIBUTION');
    // No threshold in the card: nothing to compare with.
    assert.equal(outOfDistributionGate(unfamiliar, undefined), null);
  });

  it('falls back to the maximum probability when a backend gives no logits', () => {
    assert.deepEqual(outOfDistributionScore([{ label: 'a', probability: 0.7 }], 'energy'), {
      method: 'max-probability',
      score: 0.30000000000000004,
    });
  });

  it('LOW_PROBABILITY, CLOSE_CALL, NO_LESION_FOUND, NOT_ACTIONABLE', () => {
    assert.equal(probabilityGate(labels(['a', 0.5])[0], 0.9)?.code, 'LOW_PROBABILITY');
    assert.equal(probabilityGate(labels(['a', 0.95])[0], 0.9), null);
    assert.equal(marginGate(labels(['a', 0.55], ['b', 0.45]), 0.2)?.code, 'CLOSE_CALL');
    assert.equal(marginGate(labels(['a', 0.9], ['b', 0.1]), 0.2), null);
    assert.equal(lesionFoundGate(false)?.code, 'NO_LESION_FOUND');
    assert.equal(lesionFoundGate(true), null);
    assert.equal(lesionFoundGate(null), null);
    assert.equal(actionableGate('lichen-planus', new Set(['melanoma']))?.code, 'NOT_ACTIONABLE');
    assert.equal(actionableGate('melanoma', new Set(['melanoma'])), null);
  });
});

describe('routes the image chose', () => {
  const route = {
    name: 'unspecified-extent-widespread',
    extent: 'widespread' as const,
    detector: null,
    classifier: 'rash-classifier',
    prompt: 'p',
    reason: 'r',
  };

  it('EXTENT_GUESSED when only the detector rule sent the image to the rash classifier', () => {
    const guessed = {
      ...route,
      predictedExtent: { extent: 'widespread' as const, by: 'rule' as const, reason: 'no region at 75%' },
    };
    assert.equal(extentGuessGate(guessed)?.code, 'EXTENT_GUESSED');
    assert.equal(extentGuessGate(guessed)?.severity, 'uncertain');
  });

  it('not when the uploader gave the extent or an extent model decided', () => {
    assert.equal(extentGuessGate(route), null);
    const modelled = {
      ...route,
      predictedExtent: { extent: 'widespread' as const, by: 'model' as const, reason: 'm' },
    };
    assert.equal(extentGuessGate(modelled), null);
    assert.equal(extentGuessGate(null), null);
  });

  it('not when the route did not follow the guess (a dermoscopy route takes one lesion)', () => {
    const dermoscopy = {
      ...route,
      name: 'dermoscopy-lesion',
      extent: 'unspecified' as const,
      detector: 'lesion-outline',
      classifier: 'lesion-classifier',
      predictedExtent: { extent: 'widespread' as const, by: 'rule' as const, reason: 'no region at 75%' },
    };
    assert.equal(extentGuessGate(dermoscopy), null);
  });
});

describe('the kind of image the classifier was trained on', () => {
  const card = (imageTypes?: string[]) =>
    modelCardSchema.parse({
      id: 'lesion-classifier',
      version: '1.0.0',
      task: 'classification',
      labels: ['nevus', 'melanoma'],
      input: { name: 'input', width: 8, height: 8, layout: 'NCHW' },
      output: { name: 'logits', activation: 'logits' },
      ...(imageTypes && { imageTypes }),
    }) as ClassificationCard;

  it('IMAGE_TYPE_NOT_TRAINED for a dermoscopy image and a model trained on clinical photos', () => {
    const finding = imageTypeGate('dermoscopy', card(['clinical']));
    assert.equal(finding?.code, 'IMAGE_TYPE_NOT_TRAINED');
    assert.equal(finding?.severity, 'uncertain');
    assert.match(
      finding?.message ?? '',
      /dermoscopy image and lesion-classifier 1\.0\.0 was trained on clinical/,
    );
  });

  it('not when the model covers the kind, the card is silent, or the upload does not say', () => {
    assert.equal(imageTypeGate('dermoscopy', card(['clinical', 'dermoscopy'])), null);
    assert.equal(imageTypeGate('dermoscopy', card()), null);
    assert.equal(imageTypeGate(null, card(['clinical'])), null);
  });
});

describe('the malignancy rule', () => {
  const rule = bundledAssessmentThresholds.malignancyRule;

  it('states its numbers: a malignant label at 10% or more, or within 50 points, keeps a benign answer uncertain', () => {
    assert.deepEqual(rule.labels, ['melanoma', 'basal-cell-carcinoma']);
    assert.equal(rule.minProbability, 0.1);
    assert.equal(rule.minLead, 0.5);
  });

  it('does not let a benign answer rule out melanoma at 12%', () => {
    const finding = malignancyRule(labels(['melanocytic-nevus', 0.85], ['melanoma', 0.12]), rule);
    assert.equal(finding?.code, 'MALIGNANCY_NOT_EXCLUDED');
    assert.match(finding?.message ?? '', /melanoma is not ruled out: 12%/);
  });

  it('does not let a benign answer with a small lead rule out basal cell carcinoma', () => {
    const finding = malignancyRule(
      labels(['seborrheic-keratosis', 0.55], ['basal-cell-carcinoma', 0.08], ['vascular-lesion', 0.37]),
      { ...rule, minLead: 0.5 },
    );
    assert.equal(finding?.code, 'MALIGNANCY_NOT_EXCLUDED');
  });

  it('lets a clear benign answer stand, and never applies to a malignant top label', () => {
    assert.equal(malignancyRule(labels(['melanocytic-nevus', 0.97], ['melanoma', 0.02]), rule), null);
    assert.equal(malignancyRule(labels(['melanoma', 0.6], ['melanocytic-nevus', 0.4]), rule), null);
  });
});

describe('the verdict', () => {
  const notSkin = { severity: 'out-of-scope' as const, code: 'NOT_SKIN', message: 'not skin' };
  const blurred = { severity: 'out-of-scope' as const, code: 'BLURRED', message: 'blurred' };
  const weak = { severity: 'uncertain' as const, code: 'LOW_PROBABILITY', message: 'weak' };

  it('is confident only when no gate fails, with no action', () => {
    assert.deepEqual(verdictOf([], { skinFraction: 0.9 }), {
      verdict: 'confident',
      reasons: [],
      scores: { skinFraction: 0.9 },
    });
  });

  it('is uncertain when only uncertain gates fail, and says to examine or refer', () => {
    const assessment = verdictOf([weak], {});
    assert.equal(assessment.verdict, 'uncertain');
    assert.deepEqual(assessment.reasons, [{ code: 'LOW_PROBABILITY', message: 'weak' }]);
    assert.match(assessment.action ?? '', /examine the patient or refer/);
  });

  it('is out of scope when any out-of-scope gate fails, over uncertain ones', () => {
    const assessment = verdictOf([weak, notSkin], {});
    assert.equal(assessment.verdict, 'out-of-scope');
    assert.match(assessment.action ?? '', /not made for this image/);
    assert.match(verdictOf([blurred], {}).action ?? '', /retake the photograph/);
  });
});

describe('temperature scaling', () => {
  it('softens with a temperature above 1, sharpens below, and keeps the raw probability', () => {
    const raw = [
      { label: 'a', probability: 0.8, logit: Math.log(0.8) },
      { label: 'b', probability: 0.2, logit: Math.log(0.2) },
    ];
    const softened = calibrateLabels(raw, 2);
    assert.equal(softened[0]?.label, 'a');
    assert.equal(softened[0]?.rawProbability, 0.8);
    assert.ok(Math.abs((softened[0]?.probability ?? 0) - 2 / 3) < 1e-9);
    assert.ok((calibrateLabels(raw, 0.5)[0]?.probability ?? 0) > 0.9);
    // From probabilities alone (no logits) the result is the same.
    const fromProbabilities = calibrateLabels(
      raw.map(({ label, probability }) => ({ label, probability })),
      2,
    );
    assert.ok(Math.abs((fromProbabilities[0]?.probability ?? 0) - 2 / 3) < 1e-9);
  });
});
