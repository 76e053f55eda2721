/**
 * The code systems the FHIR bundle uses. Standard ones where a standard concept fits (ICD-10-CM,
 * UCUM, HL7 terminology); DDx Assist's own for what only it defines: the model's labels, the
 * assessment verdict and its reasons, a model's demo/validated status. The DDx systems are
 * identifiers of concept spaces (FHIR canonical URIs); they need not resolve.
 */
import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import { labelDisplay } from '../reportable-record.js';

const ddxSystemBase = 'https://ddx-assist.org/fhir/CodeSystem';

export const CodeSystem = {
  /** A model's labels, one code per label, qualified by the model in `Coding.version`. */
  modelLabel: `${ddxSystemBase}/model-label`,
  /** What a DDx observation or report is about (`classifier-finding`, `result-assessment`, ...). */
  observation: `${ddxSystemBase}/observation`,
  verdict: `${ddxSystemBase}/assessment-verdict`,
  assessmentReason: `${ddxSystemBase}/assessment-reason`,
  modelStatus: `${ddxSystemBase}/model-status`,
  /** Record ids and model ids as identifiers. */
  recordId: `${ddxSystemBase}/record-id`,
  modelId: `${ddxSystemBase}/model-id`,
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  ucum: 'http://unitsofmeasure.org',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  mediaType: 'http://terminology.hl7.org/CodeSystem/media-type',
  diagnosticServiceSection: 'http://terminology.hl7.org/CodeSystem/v2-0074',
  dataAbsentReason: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
} as const;

/** A concept of one of DDx Assist's own systems. */
export function ddxConcept(system: string, code: string, display: string, text = display): CodeableConcept {
  return { coding: [{ system, code, display }], text };
}

/** A model label as a coding: the label is the code, the model id and version say whose label. */
export function labelCoding(label: string, model: { id: string; version: string }): Coding {
  return {
    system: CodeSystem.modelLabel,
    version: `${model.id}@${model.version}`,
    code: label,
    display: labelDisplay(label),
  };
}

/** A dimensionless quantity (a probability from 0 to 1), in UCUM's unit "1". */
export function probabilityQuantity(probability: number): {
  value: number;
  unit: string;
  system: string;
  code: string;
} {
  return { value: Number(probability.toFixed(6)), unit: 'probability', system: CodeSystem.ucum, code: '1' };
}
