/**
 * Records in every shape the output formats must handle: a localized lesion with a calibrated,
 * confident, clinician-finalised result; a widespread rash without calibration or assessment; an
 * uncertain whole-image fallback; an out-of-scope image; a rejected review; a failed job.
 */
import type { ReportableRecord } from '../../src/outputs/reportable-record.js';
import { sampleRecord } from './records.js';

const billing = {
  suggestions: [
    {
      system: 'ICD-10-CM' as const,
      code: 'C43.59',
      description: 'Malignant melanoma of other part of trunk',
      billable: true,
      sources: ['knowledge-base', 'model-card:lesion-classifier'],
      reason: 'classifier finding: melanoma (72%)',
    },
    {
      system: 'ICD-10-CM' as const,
      code: 'D22.5',
      description: 'Melanocytic nevi of trunk',
      billable: true,
      sources: ['knowledge-base'],
      reason: 'moderate-likelihood differential: Dysplastic nevus',
    },
  ],
  dropped: [{ code: 'C43.X', source: 'openai', reason: 'not in the code table' }],
  codeTableVersion: 'icd10cm-codes.tsv@1d1100ba5251',
  cptMappingVersion: null,
};

const recommendation = {
  systemStatements: [],
  differentials: [
    {
      condition: 'Cutaneous melanoma',
      likelihood: 'high' as const,
      rationale: 'Asymmetric, multicoloured lesion with a calibrated probability of 72%.',
      icd10cm: ['C43.59'],
    },
    {
      condition: 'Dysplastic nevus',
      likelihood: 'moderate' as const,
      rationale: 'Shares asymmetry and colour variation with early melanoma.',
      icd10cm: ['D22.5'],
    },
  ],
  followUpTests: [
    { test: 'Dermoscopy by a dermatologist', rationale: 'Melanoma-specific structures.' },
    { test: 'Excision biopsy with 1-3 mm margins', rationale: 'Gives the whole lesion for histology.' },
  ],
  treatmentConsiderations: [
    { consideration: 'Wide local excision once confirmed', rationale: 'Per Breslow depth.' },
  ],
  redFlags: [{ flag: 'Bleeding or rapid growth', rationale: 'Suggests an invasive tumour.' }],
  uncertainty: null,
  disclaimer: 'Decision support only.',
  provider: 'knowledge-base',
  model: 'ddx-knowledge-base@2026.11.1',
  prompt: { name: 'ddx-recommendations', version: 1, label: null, isFallback: false },
  usage: null,
  latencyMs: null,
};

/** A lesion on the back: detected, cropped, calibrated, confident, final after review. */
export function localizedFinalRecord(): ReportableRecord {
  const base = sampleRecord({ key: 'uploads/Jane Doe back.jpg' });
  return {
    ...base,
    image: { format: 'jpeg', width: 720, height: 540, bytes: 64_512 },
    route: {
      name: 'localized-lesion',
      extent: 'localized',
      detector: 'lesion-detector',
      classifier: 'lesion-classifier',
      prompt: 'ddx-recommendations',
      reason: 'extent is localized',
    },
    localization: {
      detector: { id: 'lesion-detector', version: '1.0.0', status: 'demo' },
      detections: [
        { box: { x: 60.4, y: 88.1, width: 192.9, height: 155.1 }, confidence: 0.998, label: 'lesion' },
      ],
      roi: {
        box: { x: 60.4, y: 88.1, width: 192.9, height: 155.1 },
        paddedBox: { x: 31, y: 65, width: 251, height: 202 },
        confidence: 0.998,
        label: 'lesion',
      },
      cropKey: `derived/crops/${base.id}.jpg`,
      note: '1 region(s) detected; the most confident one was cropped with 15% padding and classified',
    },
    classification: {
      model: { id: 'lesion-classifier', version: '1.0.0', status: 'demo' },
      input: 'crop',
      labels: [
        { label: 'melanoma', probability: 0.72 },
        { label: 'melanocytic-nevus', probability: 0.18 },
        { label: 'seborrheic-keratosis', probability: 0.06 },
        { label: 'basal-cell-carcinoma', probability: 0.03 },
        { label: 'vascular-lesion', probability: 0.01 },
      ],
      rawLabels: [
        { label: 'melanoma', probability: 0.97 },
        { label: 'melanocytic-nevus', probability: 0.02 },
        { label: 'seborrheic-keratosis', probability: 0.005 },
        { label: 'basal-cell-carcinoma', probability: 0.004 },
        { label: 'vascular-lesion', probability: 0.001 },
      ],
      calibration: { method: 'temperature', temperature: 1.8 },
    },
    assessment: {
      verdict: 'confident',
      reasons: [],
      scores: { quality: 0.91, inScope: 0.99, energy: -7.4, margin: 0.54 },
    },
    review: {
      state: 'final',
      reviewer: 'Dr. A. Reviewer',
      at: '2026-11-28T12:00:00.000Z',
      diagnosis: 'Melanoma, refer for excision',
      codes: ['C43.59'],
      comment: null,
    },
    recommendation,
    billing,
  };
}

/** A widespread rash: no detector, no calibration, no assessment, never reviewed. */
export function widespreadUnassessedRecord(): ReportableRecord {
  const base = sampleRecord({ key: 'uploads/rash.png' });
  return {
    ...base,
    image: { format: 'png', width: 640, height: 480, bytes: 301_000 },
    context: base.context && { ...base.context, extent: 'widespread', bodySite: 'trunk' },
    classification: {
      model: { id: 'rash-classifier', version: '1.0.0' },
      input: 'whole-image',
      labels: [
        { label: 'psoriasis', probability: 0.6 },
        { label: 'urticaria', probability: 0.3 },
        { label: 'morbilliform', probability: 0.1 },
      ],
    },
  };
}

/** The detector found nothing: the whole image was classified, and the assessment is uncertain. */
export function wholeImageUncertainRecord(): ReportableRecord {
  const base = localizedFinalRecord();
  return {
    ...base,
    ...sampleRecord({ key: 'uploads/faint.jpg' }),
    image: base.image,
    localization: {
      detector: { id: 'lesion-detector', version: '1.0.0', status: 'demo' },
      detections: [],
      roi: null,
      cropKey: null,
      note: 'no lesion detected above the confidence threshold: the whole image was classified',
    },
    classification: base.classification && { ...base.classification, input: 'whole-image' },
    assessment: {
      verdict: 'uncertain',
      reasons: [{ code: 'LOW_MARGIN', message: 'the two most likely labels are within 10 points' }],
      scores: { margin: 0.04 },
    },
    review: null,
    recommendation: base.recommendation,
    billing: base.billing,
  };
}

export function outOfScopeRecord(): ReportableRecord {
  const base = wholeImageUncertainRecord();
  return {
    ...base,
    ...sampleRecord({ key: 'uploads/chest-xray.jpg' }),
    image: base.image,
    localization: base.localization,
    classification: base.classification,
    assessment: {
      verdict: 'out-of-scope',
      reasons: [{ code: 'NOT_SKIN', message: 'the image does not look like skin' }],
      scores: { inScope: 0.03 },
    },
    recommendation: null,
    billing: null,
  };
}

export function rejectedRecord(): ReportableRecord {
  return {
    ...localizedFinalRecord(),
    review: {
      state: 'rejected',
      reviewer: 'Dr. A. Reviewer',
      at: '2026-11-28T12:30:00.000Z',
      diagnosis: null,
      codes: [],
      comment: 'image out of focus',
    },
  };
}

export function failedRecord(): ReportableRecord {
  return {
    ...sampleRecord({ key: 'uploads/broken.jpg', status: 'failed' }),
    image: null,
    classification: null,
    error: { code: 'CORRUPT_IMAGE', step: 'fetch-image', message: 'the JPEG is truncated', retriable: false },
    assessment: null,
  };
}

export const everyRecordShape: Record<string, () => ReportableRecord> = {
  'localized, calibrated, confident, final': localizedFinalRecord,
  'widespread, uncalibrated, not assessed': widespreadUnassessedRecord,
  'whole image, uncertain': wholeImageUncertainRecord,
  'out of scope': outOfScopeRecord,
  'rejected at review': rejectedRecord,
  failed: failedRecord,
};
