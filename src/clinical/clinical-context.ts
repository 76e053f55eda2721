/**
 * Validates the metadata that came with an upload (S3 user metadata, the local sidecar JSON) into
 * a ClinicalContext, and separates patient identifiers from it so they never reach a model.
 *
 * Keys are matched loosely (`body-site`, `body_site`, `bodySite` are the same key) because S3
 * lower-cases user-metadata names. Values are checked strictly: a wrongly typed value fails the
 * upload with a message naming the key, never the value (values may identify a patient). The body
 * site and the specialty are free text clinics type: they are allow-listed onto a controlled
 * vocabulary, and a value that does not map is dropped with a warning code, never forwarded.
 */
import { z } from 'zod';
import type {
  ClinicalContext,
  ContextWarningCode,
  Extent,
  ImageType,
  PatientIdentifiers,
  Sex,
} from '../domain.js';
import { BadInputError, InputErrorCode, PipelineStep } from '../errors.js';
import { canonicalBodySite } from './body-site-vocabulary.js';
import { bodySiteWarning, ContextWarning } from './context-warnings.js';
import { canonicalSpecialty } from './specialty-list.js';

const keyAliases: Record<string, keyof ClinicalContext | keyof PatientIdentifiers> = {
  extent: 'extent',
  distribution: 'extent',
  bodysite: 'bodySite',
  site: 'bodySite',
  location: 'bodySite',
  anatomicsite: 'bodySite',
  age: 'ageYears',
  ageyears: 'ageYears',
  sex: 'sex',
  gender: 'sex',
  specialty: 'specialty',
  duration: 'durationDays',
  durationdays: 'durationDays',
  notes: 'notes',
  clinicalnotes: 'notes',
  imagetype: 'imageType',
  capture: 'imageType',
  capturetype: 'imageType',
  patientname: 'name',
  name: 'name',
  patientid: 'patientId',
  mrn: 'patientId',
  dateofbirth: 'dateOfBirth',
  dob: 'dateOfBirth',
  birthdate: 'dateOfBirth',
};

/** Words clinicians use for the two extents; anything else is rejected rather than guessed. */
const extentWords: Record<string, Extent> = {
  localized: 'localized',
  localised: 'localized',
  local: 'localized',
  focal: 'localized',
  single: 'localized',
  lesion: 'localized',
  widespread: 'widespread',
  generalized: 'widespread',
  generalised: 'widespread',
  diffuse: 'widespread',
  disseminated: 'widespread',
  rash: 'widespread',
  unspecified: 'unspecified',
  unknown: 'unspecified',
};

/** How the image was taken; dermoscopy routes may assume a dermatoscope's field of view. */
const imageTypeWords: Record<string, ImageType> = {
  dermoscopy: 'dermoscopy',
  dermoscopic: 'dermoscopy',
  dermatoscopy: 'dermoscopy',
  dermatoscopic: 'dermoscopy',
  dermatoscope: 'dermoscopy',
  clinical: 'clinical',
  photo: 'clinical',
  photograph: 'clinical',
  macroscopic: 'clinical',
};

const sexWords: Record<string, Sex> = {
  female: 'female',
  f: 'female',
  male: 'male',
  m: 'male',
  other: 'other',
  unknown: 'unknown',
};

const shortText = (max: number) => z.string().trim().min(1).max(max);
/** S3 metadata values are always strings: accept whole numbers written as digits too. */
const wholeNumber = (min: number, max: number) =>
  z
    .union([z.number(), z.string().trim().regex(/^\d+$/).transform(Number)])
    .pipe(z.number().int().min(min).max(max));
// Own keys only: `in` would also accept what every object inherits ("constructor", "__proto__").
const word = (words: Record<string, string>) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((value) => Object.hasOwn(words, value), {
      message: `expected one of: ${Object.keys(words).join(', ')}`,
    });

const contextSchema = z.object({
  extent: word(extentWords).optional(),
  bodySite: shortText(80).optional(),
  ageYears: wholeNumber(0, 130).optional(),
  sex: word(sexWords).optional(),
  specialty: shortText(60).optional(),
  durationDays: wholeNumber(0, 36500).optional(),
  notes: z.string().max(4000).optional(),
  imageType: word(imageTypeWords).optional(),
  name: shortText(200).optional(),
  patientId: shortText(100).optional(),
  dateOfBirth: shortText(40).optional(),
});

export interface ParsedMetadata {
  context: ClinicalContext;
  patient: PatientIdentifiers;
}

export function parseClinicalMetadata(metadata: Record<string, unknown>): ParsedMetadata {
  const canonical: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    const normalised = key.toLowerCase().replace(/[-_\s]/g, '');
    const alias = Object.hasOwn(keyAliases, normalised) ? keyAliases[normalised] : undefined;
    // Unknown keys are ignored, not stored: they may carry identifiers we do not know to protect.
    if (alias && value !== null && value !== '') canonical[alias] = value;
  }

  const parsed = contextSchema.safeParse(canonical);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'metadata'}: ${issue.message}`,
    );
    throw new BadInputError(
      `invalid clinical metadata: ${problems.join('; ')}`,
      InputErrorCode.invalidMetadata,
      PipelineStep.loadContext,
    );
  }
  const value = parsed.data;
  const patient: PatientIdentifiers = {};
  if (value.name) patient.name = value.name;
  if (value.patientId) patient.patientId = value.patientId;
  if (value.dateOfBirth) patient.dateOfBirth = value.dateOfBirth;

  const warnings: ContextWarningCode[] = [];
  let bodySite: string | null = null;
  if (value.bodySite) {
    const mapped = canonicalBodySite(value.bodySite);
    if ('site' in mapped) bodySite = mapped.site;
    else warnings.push(bodySiteWarning(mapped.dropped));
  }
  let specialty: string | null = null;
  if (value.specialty) {
    specialty = canonicalSpecialty(value.specialty) ?? null;
    if (specialty === null) warnings.push(ContextWarning.specialtyNotListed);
  }

  return {
    context: {
      extent: value.extent ? (extentWords[value.extent] ?? 'unspecified') : 'unspecified',
      bodySite,
      ageYears: value.ageYears ?? null,
      sex: value.sex ? (sexWords[value.sex] ?? null) : null,
      specialty,
      durationDays: value.durationDays ?? null,
      notes: value.notes?.trim() || null,
      imageType: value.imageType ? (imageTypeWords[value.imageType] ?? null) : null,
      ...(warnings.length > 0 ? { warnings } : {}),
    },
    patient,
  };
}
