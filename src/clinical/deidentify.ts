/**
 * The allow-list of what may leave the service towards a model (HIPAA Safe Harbor style): derived
 * clinical fields only. Names, identifiers, dates of birth and free-text notes are not included.
 */
import type { ClinicalContext, DeidentifiedContext } from '../ports.js';

export function deidentify(context: ClinicalContext): DeidentifiedContext {
  return {
    extent: context.extent,
    bodySite: context.bodySite,
    age: context.ageYears === null ? null : context.ageYears >= 90 ? '90+' : String(context.ageYears),
    sex: context.sex,
    specialty: context.specialty,
    durationDays: context.durationDays,
  };
}
