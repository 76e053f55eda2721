/**
 * The assessment of how far the findings can be trusted, as one FHIR Observation: the verdict as
 * the value, each reason and score as a component. A record without an assessment says so with a
 * data-absent reason instead of implying a verdict.
 */
import type { Observation, Patient, Reference } from '@medplum/fhirtypes';
import type { Assessment, Verdict } from '../reportable-record.js';
import { CodeSystem, ddxConcept } from './code-systems.js';
import type { FhirResultStatus } from './report-status.js';
import { type IdentifiedResource, resourceIdentity } from './resource-identity.js';

export const verdictText: Record<Verdict, string> = {
  confident: 'Confident: the findings passed every check',
  uncertain: 'Uncertain: read the findings with the reasons given',
  'out-of-scope': 'Out of scope: the models cannot judge this image; no finding is reported',
};

export function assessmentObservation(
  recordId: string,
  assessment: Assessment | null | undefined,
  status: FhirResultStatus,
  issued: string,
  subject: Reference<Patient> | undefined,
): IdentifiedResource<Observation> {
  const base: Observation = {
    resourceType: 'Observation',
    status,
    code: ddxConcept(CodeSystem.observation, 'result-assessment', 'Assessment of the AI result'),
    ...(subject ? { subject } : {}),
    issued,
  };
  const identity = resourceIdentity(recordId, 'assessment');
  if (!assessment) {
    return {
      identity,
      resource: {
        ...base,
        dataAbsentReason: {
          coding: [{ system: CodeSystem.dataAbsentReason, code: 'not-performed', display: 'Not Performed' }],
          text: 'This record was not assessed: how far its findings can be trusted was not judged',
        },
      },
    };
  }
  return {
    identity,
    resource: {
      ...base,
      valueCodeableConcept: ddxConcept(
        CodeSystem.verdict,
        assessment.verdict,
        assessment.verdict,
        verdictText[assessment.verdict],
      ),
      component: [
        ...assessment.reasons.map((reason) => ({
          code: ddxConcept(CodeSystem.observation, 'assessment-reason', 'Reason'),
          valueCodeableConcept: ddxConcept(
            CodeSystem.assessmentReason,
            reason.code,
            reason.code,
            reason.message,
          ),
        })),
        ...Object.entries(assessment.scores).map(([name, score]) => ({
          code: ddxConcept(CodeSystem.observation, `score-${name}`, `Score: ${name}`),
          valueQuantity: { value: Number(score.toFixed(6)) },
        })),
      ],
    },
  };
}
