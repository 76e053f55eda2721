/**
 * The sign or symptom codes an uncertain answer is billed with (ICD-10-CM Official Guidelines,
 * Section IV.H: in the outpatient setting a condition that is only "probable", "suspected" or
 * "rule out" is not coded; the signs and symptoms are, to the highest degree of certainty known).
 * A photographed lesion is a skin change; a widespread eruption is a rash.
 */
export const signSymptomCodes = {
  localized: { code: 'R23.8', finding: 'a skin lesion of uncertain nature (other skin changes)' },
  widespread: { code: 'R21', finding: 'a rash (nonspecific skin eruption)' },
} as const;

export type PresentationExtent = keyof typeof signSymptomCodes;
