/**
 * The record's FHIR DiagnosticReport: status from the review, the conclusion in words and as
 * codes (the most likely label and the ICD-10-CM codes the model card maps the findings to, or the
 * reviewer's codes once final), the finding and assessment observations as results, and the image
 * and crop as media.
 */
import type {
  CodeableConcept,
  DiagnosticReport,
  Media,
  Observation,
  Patient,
  Reference,
} from '@medplum/fhirtypes';
import { conclusionText, reportsFindings } from '../conclusion.js';
import type { ReportableRecord } from '../reportable-record.js';
import { CodeSystem, ddxConcept, labelCoding } from './code-systems.js';
import type { FhirResultStatus } from './report-status.js';
import { type IdentifiedResource, referenceTo, resourceIdentity } from './resource-identity.js';

export interface ReportParts {
  status: FhirResultStatus;
  subject: Reference<Patient> | undefined;
  results: IdentifiedResource<Observation>[];
  media: { entry: IdentifiedResource<Media>; comment: string }[];
}

function icd10cm(code: string, display?: string): CodeableConcept {
  return {
    coding: [{ system: CodeSystem.icd10cm, code, ...(display ? { display } : {}) }],
    ...(display ? { text: display } : {}),
  };
}

export function conclusionCodes(record: ReportableRecord): CodeableConcept[] {
  const review = record.review;
  if (review?.state === 'final' && review.codes.length > 0) return review.codes.map((code) => icd10cm(code));
  if (!reportsFindings(record) || !record.classification) return [];
  const { classification } = record;
  const [top] = classification.labels;
  const codes: CodeableConcept[] = top
    ? [
        {
          coding: [labelCoding(top.label, classification.model)],
          text: labelCoding(top.label, classification.model).display,
        },
      ]
    : [];
  const cardSource = `model-card:${classification.model.id}`;
  for (const suggestion of record.billing?.suggestions ?? []) {
    if (suggestion.system === 'ICD-10-CM' && suggestion.sources.includes(cardSource)) {
      codes.push(icd10cm(suggestion.code, suggestion.description));
    }
  }
  return codes;
}

export function diagnosticReport(
  record: ReportableRecord,
  parts: ReportParts,
): IdentifiedResource<DiagnosticReport> {
  const review = record.review;
  const codes = conclusionCodes(record);
  return {
    identity: resourceIdentity(record.id, 'report'),
    resource: {
      resourceType: 'DiagnosticReport',
      identifier: [{ system: CodeSystem.recordId, value: record.id }],
      status: parts.status,
      category: [
        {
          coding: [{ system: CodeSystem.diagnosticServiceSection, code: 'OTH', display: 'Other' }],
          text: 'Dermatology imaging',
        },
      ],
      code: ddxConcept(CodeSystem.observation, 'image-analysis', 'AI analysis of a skin image'),
      ...(parts.subject ? { subject: parts.subject } : {}),
      effectiveDateTime: record.createdAt,
      issued: record.updatedAt,
      ...(review && review.state !== 'preliminary'
        ? { resultsInterpreter: [{ display: review.reviewer }] }
        : {}),
      result: parts.results.map((entry) => referenceTo(entry)),
      ...(parts.media.length > 0
        ? { media: parts.media.map(({ entry, comment }) => ({ comment, link: referenceTo(entry) })) }
        : {}),
      conclusion: conclusionText(record),
      ...(codes.length > 0 ? { conclusionCode: codes } : {}),
    },
  };
}
