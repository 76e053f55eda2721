/**
 * The controlled body-site vocabulary a `bodySite` (or DICOM Body Part Examined) must map onto:
 * the sites of the knowledge base (data/knowledge-base.json), the anatomical regions ICD-10-CM's
 * skin chapters name (L00-L99, C43/C44, D22/D23: face, scalp and neck, trunk, upper limb, lower
 * limb and their parts), DICOM's defined terms for body parts (PS3.16 CID 4031, as written in
 * Body Part Examined), position words and laterality (left, right, bilateral).
 *
 * This is an allow-list, not a scrubber: every word of the text must be in the vocabulary, or the
 * whole value is dropped (with a reason code; the text itself goes nowhere). "back of Jane MRN
 * 12345" is dropped, not cleaned: an identifier can only pass as a vocabulary word.
 *
 * @example
 * canonicalBodySite('Back of the LEFT hand') // { site: 'left back of the hand' }
 * canonicalBodySite('UPPER_ARM')            // { site: 'upper arm' } (DICOM spelling)
 * canonicalBodySite('back of Jane MRN 123') // { dropped: 'not-in-vocabulary' }
 */

/** A comma-separated list as a list: the vocabulary reads as prose, one region a line. */
const list = (text: string): string[] => text.split(',').map((term) => term.trim());

/** Sites: the knowledge base's, ICD-10-CM's regions and DICOM's body-part terms (lower case). */
const siteWords: readonly string[] = [
  // head and neck
  ...list(
    'face, forehead, temple, cheek, nose, nasal, lip, lips, ear, ears, earlobe, auricle, eyelid, eyelids, eyebrow, eye, periorbital, chin, jaw, mandible, scalp, head, neck, nape, mouth, oral, mucosa, tongue, gum, gums, perioral',
  ),
  // trunk
  ...list(
    'trunk, torso, chest, thorax, breast, breasts, nipple, abdomen, belly, flank, flanks, axilla, axillae, armpit, umbilicus, navel, back, spine, sacrum, sacral, coccyx, buttock, buttocks, gluteal, groin, inguinal, perineum, perianal, anus, anal, pelvis, shoulder blade, scapula, clavicle, sternum, waist, lumbar',
  ),
  // upper limb
  ...list(
    'shoulder, shoulders, arm, arms, upper arm, forearm, forearms, elbow, elbows, wrist, wrists, hand, hands, palm, palms, palmar, finger, fingers, thumb, thumbs, fingernail, fingernails, knuckle, knuckles, upper limb, upper extremity, antecubital, dorsum',
  ),
  // lower limb
  ...list(
    'hip, hips, leg, legs, thigh, thighs, knee, knees, lower leg, shin, shins, calf, calves, ankle, ankles, foot, feet, heel, heels, sole, soles, plantar, toe, toes, toenail, toenails, lower limb, lower extremity, popliteal, instep',
  ),
  // genital and other
  ...list(
    'genital, genitals, genitalia, vulva, penis, scrotum, labia, acral, nail, nails, skin, extremity, extremities, limb, limbs, multiple, generalized, generalised, unknown, whole body, wholebody, body',
  ),
];

/** Words that qualify a site: position, extent and the small words between them. */
const qualifierWords: ReadonlySet<string> = new Set(
  list(
    'upper, lower, mid, middle, central, inner, outer, anterior, posterior, front, rear, dorsal, ventral, medial, lateral, proximal, distal, superior, inferior, top, bottom, side, tip, crease, fold, web, space, base, bridge, line, region, area, surface, aspect, of, the, on, and, near, over, under, between, along, at, in, both, sides',
  ),
);

/** The small words between site words, never at either end of a canonical site. */
const linkWords: ReadonlySet<string> = new Set(
  list('of, the, on, and, near, over, under, between, along, at, in'),
);

export const Laterality = { left: 'left', right: 'right', bilateral: 'bilateral' } as const;
export type Laterality = (typeof Laterality)[keyof typeof Laterality];

const lateralityWords: Record<string, Laterality> = {
  left: 'left',
  lt: 'left',
  right: 'right',
  rt: 'right',
  bilateral: 'bilateral',
  both: 'bilateral',
};

/** Why a body site was dropped: recorded as a warning code, never with the text. */
export type BodySiteDropReason = 'not-in-vocabulary' | 'no-site-word';

export type BodySiteMapping = { site: string; laterality?: Laterality } | { dropped: BodySiteDropReason };

const sites: ReadonlySet<string> = new Set(siteWords);
const longestSite = Math.max(...siteWords.map((site) => site.split(' ').length));

/** Every site word of the vocabulary (for tests: the knowledge base's sites must all be here). */
export const bodySiteTerms: readonly string[] = siteWords;

export function canonicalBodySite(text: string): BodySiteMapping {
  const words = text
    .normalize('NFKC')
    .toLowerCase()
    // DICOM writes "UPPER_ARM"; people write "left-hand", "L. forearm", "back/shoulder".
    .replace(/[_\-/,.;:()]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const kept: string[] = [];
  let laterality: Laterality | undefined;
  let siteFound = false;
  for (let index = 0; index < words.length; ) {
    const phrase = longestSitePhrase(words, index);
    if (phrase) {
      kept.push(phrase);
      siteFound = true;
      index += phrase.split(' ').length;
      continue;
    }
    const word = words[index] ?? '';
    const side = Object.hasOwn(lateralityWords, word) ? lateralityWords[word] : undefined;
    if (side) {
      // "left and right", "both": bilateral.
      laterality = laterality && laterality !== side ? 'bilateral' : side;
    } else if (word === 'l' || word === 'r') {
      laterality = word === 'l' ? 'left' : 'right';
    } else if (qualifierWords.has(word)) {
      kept.push(word);
    } else {
      return { dropped: 'not-in-vocabulary' };
    }
    index += 1;
  }
  if (!siteFound) return { dropped: 'no-site-word' };
  // "left and right cheek": the "and" went with the laterality words.
  while (kept[0] && linkWords.has(kept[0])) kept.shift();
  while (kept.at(-1) && linkWords.has(kept.at(-1) ?? '')) kept.pop();
  const site = [laterality, ...kept].filter(Boolean).join(' ');
  return laterality ? { site, laterality } : { site };
}

function longestSitePhrase(words: readonly string[], start: number): string | undefined {
  for (let length = Math.min(longestSite, words.length - start); length >= 1; length--) {
    const phrase = words.slice(start, start + length).join(' ');
    if (sites.has(phrase)) return phrase;
  }
  return undefined;
}
