/**
 * The allow-list of what may leave the service towards a model (HIPAA Safe Harbor style): derived
 * clinical fields only, and free-text notes only after their identifiers are scrubbed. Names,
 * identifiers, dates of birth, addresses and contact details never leave.
 */
import type { ClinicalContext, DeidentifiedContext, PatientIdentifiers } from '../domain.js';

export function deidentify(context: ClinicalContext): DeidentifiedContext {
  return {
    extent: context.extent,
    bodySite: context.bodySite,
    age: context.ageYears === null ? null : context.ageYears >= 90 ? '90+' : String(context.ageYears),
    sex: context.sex,
    specialty: context.specialty,
    durationDays: context.durationDays,
    imageType: context.imageType,
  };
}

export interface DeidentifiedNotes {
  text: string;
  /** How many identifiers of each kind were removed: counts only, safe to store and log. */
  removed: Record<string, number>;
}

/**
 * Notes with identifiers removed, every identifier the upload gave first (the sidecar's, and a
 * conflicting DICOM header's: `others`); null without notes. The scrub gives the event loop turns
 * (`scrubNotesBetweenEvents`), so it can run beside the job's downloads and model calls.
 */
export async function deidentifyNotes(
  notes: string | null,
  patient: PatientIdentifiers,
  others?: PatientIdentifiers,
): Promise<DeidentifiedNotes | null> {
  if (notes === null) return null;
  const sources = [patient, ...(others ? [others] : [])];
  const names = sources.flatMap((source) => (source.name ? [source.name] : []));
  const identifiers = sources.flatMap((source) =>
    [source.patientId, source.dateOfBirth].filter((value) => value !== undefined),
  );
  // Loaded with the first notes: the scrubber and its name list are 175 KB a job without notes never needs.
  const { scrubNotesBetweenEvents } = await import('./scrub-notes.js');
  const { text, removed } = await scrubNotesBetweenEvents(notes, { names, identifiers });
  return { text, removed: Object.fromEntries(Object.entries(removed).filter(([, count]) => count > 0)) };
}
