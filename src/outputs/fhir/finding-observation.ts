/**
 * One FHIR Observation per label the classifier ranked: the label as the value, its calibrated
 * probability (and the model's own, when kept) as components, the model as `device` and `method`,
 * and the image or crop it was read from as `derivedFrom`.
 */
import type {
  Device,
  Media,
  Observation,
  ObservationComponent,
  Patient,
  Reference,
} from '@medplum/fhirtypes';
import type { LabelScore } from '../../domain.js';
import { percent, type ReportableClassification, rawProbabilityOf } from '../reportable-record.js';
import { CodeSystem, ddxConcept, labelCoding, probabilityQuantity } from './code-systems.js';
import type { FhirResultStatus } from './report-status.js';
import { type IdentifiedResource, resourceIdentity } from './resource-identity.js';

export interface FindingContext {
  recordId: string;
  status: FhirResultStatus;
  issued: string;
  classification: ReportableClassification;
  device: Reference<Device>;
  derivedFrom: Reference<Media> | null;
  subject: Reference<Patient> | undefined;
  bodySite: string | null;
}

/** How the probabilities were produced, in words. */
export function methodText(classification: ReportableClassification): string {
  const { model, input, calibration } = classification;
  const seen = input === 'crop' ? 'the cropped region of interest' : 'the whole image';
  const scaling = calibration
    ? `probabilities calibrated by temperature scaling (T=${calibration.temperature})`
    : "the model's own probabilities (not calibrated)";
  return `${model.id} ${model.version} on ${seen}; ${scaling}`;
}

function probabilityComponents(
  finding: LabelScore,
  rank: number,
  classification: ReportableClassification,
): ObservationComponent[] {
  const calibrated = classification.calibration !== undefined && classification.calibration !== null;
  const components: ObservationComponent[] = [
    {
      code: calibrated
        ? ddxConcept(CodeSystem.observation, 'calibrated-probability', 'Calibrated probability')
        : ddxConcept(
            CodeSystem.observation,
            'uncalibrated-probability',
            'Model probability (not calibrated)',
          ),
      valueQuantity: probabilityQuantity(finding.probability),
    },
  ];
  const raw = rawProbabilityOf(classification, finding.label);
  if (calibrated && raw !== null) {
    components.push({
      code: ddxConcept(CodeSystem.observation, 'model-probability', 'Model probability before calibration'),
      valueQuantity: probabilityQuantity(raw),
    });
  }
  components.push({
    code: ddxConcept(CodeSystem.observation, 'rank', 'Rank among the labels (1 = most likely)'),
    valueInteger: rank,
  });
  return components;
}

export function findingObservations(context: FindingContext): IdentifiedResource<Observation>[] {
  const { classification } = context;
  return classification.labels.map((finding, index) => ({
    identity: resourceIdentity(context.recordId, `finding-${index + 1}`),
    resource: {
      resourceType: 'Observation',
      status: context.status,
      category: [
        { coding: [{ system: CodeSystem.observationCategory, code: 'imaging', display: 'Imaging' }] },
      ],
      code: ddxConcept(CodeSystem.observation, 'classifier-finding', 'Image classifier finding'),
      ...(context.subject ? { subject: context.subject } : {}),
      issued: context.issued,
      valueCodeableConcept: {
        coding: [labelCoding(finding.label, classification.model)],
        text: `${labelCoding(finding.label, classification.model).display} (${percent(finding.probability)})`,
      },
      component: probabilityComponents(finding, index + 1, classification),
      method: { text: methodText(classification) },
      device: context.device,
      ...(context.bodySite ? { bodySite: { text: context.bodySite } } : {}),
      ...(context.derivedFrom ? { derivedFrom: [context.derivedFrom] } : {}),
    },
  }));
}
