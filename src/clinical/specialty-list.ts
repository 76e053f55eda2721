/**
 * The fixed list of specialties a `specialty` may name, with the spellings clinics use for each.
 * Anything else is dropped with a reason code, never forwarded: a free-text field is where an
 * identifier ("Dr Smith's clinic", a ward and bed) slips in.
 *
 * @example
 * canonicalSpecialty(' Dermatology ') // 'dermatology'
 * canonicalSpecialty('GP')            // 'primary care'
 * canonicalSpecialty('Dr Jones')      // undefined
 */

export const specialties = [
  'dermatology',
  'primary care',
  'internal medicine',
  'pediatrics',
  'emergency medicine',
  'oncology',
  'rheumatology',
  'infectious disease',
  'allergy and immunology',
  'plastic surgery',
  'general surgery',
  'podiatry',
  'wound care',
  'geriatrics',
  'obstetrics and gynecology',
  'urology',
  'ophthalmology',
  'otolaryngology',
] as const;
export type Specialty = (typeof specialties)[number];

const synonyms: Record<string, Specialty> = {
  derm: 'dermatology',
  derma: 'dermatology',
  dermatologist: 'dermatology',
  teledermatology: 'dermatology',
  'dermatologic surgery': 'dermatology',
  mohs: 'dermatology',
  gp: 'primary care',
  'general practice': 'primary care',
  'family medicine': 'primary care',
  'family practice': 'primary care',
  pcp: 'primary care',
  'primary care physician': 'primary care',
  'general medicine': 'internal medicine',
  paediatrics: 'pediatrics',
  'pediatric dermatology': 'dermatology',
  'paediatric dermatology': 'dermatology',
  'emergency department': 'emergency medicine',
  emergency: 'emergency medicine',
  ed: 'emergency medicine',
  'a&e': 'emergency medicine',
  'medical oncology': 'oncology',
  'surgical oncology': 'oncology',
  'infectious diseases': 'infectious disease',
  allergy: 'allergy and immunology',
  immunology: 'allergy and immunology',
  'plastic and reconstructive surgery': 'plastic surgery',
  surgery: 'general surgery',
  'wound clinic': 'wound care',
  geriatric: 'geriatrics',
  'geriatric medicine': 'geriatrics',
  gynecology: 'obstetrics and gynecology',
  gynaecology: 'obstetrics and gynecology',
  obgyn: 'obstetrics and gynecology',
  'ob/gyn': 'obstetrics and gynecology',
  ent: 'otolaryngology',
};

const listed: ReadonlySet<string> = new Set(specialties);

export function canonicalSpecialty(text: string): Specialty | undefined {
  const key = text.normalize('NFKC').trim().toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ');
  if (listed.has(key)) return key as Specialty;
  return Object.hasOwn(synonyms, key) ? synonyms[key] : undefined;
}
