/**
 * Removes HIPAA Safe Harbor identifiers from clinical free text before it may reach a model.
 *
 * The uploader's notes are the one free-text field that leaves the service (inside the prompt's
 * delimited notes field). Structured identifiers are kept apart by `parseClinicalMetadata`; this
 * file handles what people type: names after titles and in sign-offs, dates, phone numbers,
 * e-mails, URLs, IP addresses, record and account numbers, street addresses, postcodes and ages
 * over 89. Each is replaced by a bracketed tag (`[NAME]`, `[DATE]`, ...) and counted; the counts,
 * never the values, are what records and logs may hold.
 *
 * How it works: one ordered table of rules (pattern -> kind), applied one after another, after
 * the patient's own known identifiers. A removed value is first replaced by a private-use
 * placeholder character, which no later pattern can match, so a rule never re-reads what an
 * earlier rule removed; placeholders become tags at the end. Name rules match by shape (a
 * capitalised word after a title) and then drop words that are never names ("Patient Reports").
 *
 * Policy: recall on identifiers, precision on clinical terms. There is no name recogniser: a
 * capitalised word is removed only where its context says it is a name (after a title, in a
 * signature, after a label) or when the caller knows it is the patient's. Lesion sizes, durations,
 * doses, ICD codes and eponyms ("Koebner phenomenon") have no such context and stay.
 *
 * Every pattern is written to run in linear time on hostile input: each starts at a token
 * boundary (a lookbehind that fails at once inside a word or number), repetitions are bounded or
 * separated by a mandatory delimiter, and no quantified group can match the same text two ways.
 * A 4000-character note takes about a millisecond. The first call in a process also pays for
 * compiling the patterns (a few hundred milliseconds on a laptop, once): the pipeline calls
 * `scrubNotesBetweenEvents`, which does that work in steps between the job's other work.
 *
 * Scrubbing is not injection defence: instructions in the notes stay as text. The prompt's
 * delimiters and the schema check on the model's answer are what defend against them.
 */

import { listedNameSpans } from './listed-names.js';
import { normaliseForScrubbing } from './normalise-for-scrubbing.js';

export type ScrubKind = 'name' | 'date' | 'phone' | 'email' | 'url' | 'ip' | 'id' | 'address' | 'age';

/** The tag that replaces each kind in the scrubbed text. */
export const scrubTags: Readonly<Record<ScrubKind, string>> = {
  name: '[NAME]',
  date: '[DATE]',
  phone: '[PHONE]',
  email: '[EMAIL]',
  url: '[URL]',
  ip: '[IP]',
  id: '[ID]',
  address: '[ADDRESS]',
  age: '[AGE 90+]',
};

const scrubKinds = Object.keys(scrubTags) as ScrubKind[];

/** What the caller already knows identifies this patient (from the upload's metadata). */
export interface KnownIdentifiers {
  /** Full names; each part of at least 2 letters is also removed on its own. */
  names?: string[];
  /** Patient id, MRN, date of birth...: removed wherever they appear, separators ignored. */
  identifiers?: string[];
}

export interface ScrubResult {
  text: string;
  /** How many values of each kind were removed: counts only, safe to log and store. */
  removed: Record<ScrubKind, number>;
}

interface ScrubRule {
  kind: ScrubKind;
  /**
   * Global, Unicode. Optional named groups `lead` and `trail` are kept around the tag (a label
   * such as "MRN: " or "Dr. " is not an identifier); the rest of the match is removed.
   */
  pattern: RegExp;
  /**
   * Name rules only: which end of the match may hold words that are never names (see
   * `notNames`). 'after': the name ends before the first such word ("Patient Reports itch");
   * 'before': the name starts after the last such word ("Reviewed Jane Smith MD").
   */
  nonNames?: 'after' | 'before';
}

// ---------------------------------------------------------------------------------------------
// Pattern fragments. `rx` keeps backslashes as written, so fragments read as regular expressions.

const rx = String.raw;

/** Horizontal whitespace: identifiers do not span lines, so most patterns must not either. */
const sp = rx`[^\S\r\n]`;
/** Placeholder characters standing for removed values (see `placeholderOf`). */
const placeholderRange = rx`\uE000-\uE0FF`;
/** At the start of a token: not preceded by a letter, mark or digit. */
const tokenStart = rx`(?<![\p{L}\p{M}\p{N}])`;
/** At the end of a token. */
const tokenEnd = rx`(?![\p{L}\p{M}\p{N}])`;
/**
 * Where a name may start: not inside a word, nor after an apostrophe, dot or hyphen that a name
 * may contain (otherwise every letter of "O'O'O'..." would start a new scan of the same word).
 */
const nameStart = rx`(?<![\p{L}\p{M}\p{N}'’.-])`;
/** Not preceded by a letter (numbers may touch, for example "#1234"). */
const wordStart = rx`(?<![\p{L}\p{M}])`;
/** Not followed by a letter. */
const wordEnd = rx`(?![\p{L}\p{M}])`;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * An alternation of phrases matched without regard to case, one character class per letter
 * ("[Rr][Ee]..."), longest first, spaces matching any horizontal whitespace. Used instead of the
 * `i` flag wherever a pattern also holds `\p{Lu}`, because with `iu` flags `\p{Lu}` matches
 * lower-case letters too. (One alternative per phrase keeps the compiled patterns small.)
 */
function caseless(...phrases: string[]): string {
  const letterClass = (character: string) => {
    const lower = character.toLowerCase();
    const upper = character.toUpperCase();
    return lower === upper ? escapeRegExp(character) : `[${upper}${lower}]`;
  };
  return [...phrases]
    .sort((a, b) => b.length - a.length)
    .map((phrase) =>
      [...phrase].map((character) => (character === ' ' ? `${sp}+` : letterClass(character))).join(''),
    )
    .join('|');
}

/** Capitalised words in Title case or UPPER case only. */
function capitalised(...names: string[]): string {
  return names.flatMap((name) => [name, name.toUpperCase()]).join('|');
}

/** Units after a number mark a clinical quantity ("100-2000 mg", "10-12-15 mm"), not an identifier. */
const notAQuantity = rx`(?!${sp}*(?:mg|mcg|µg|μg|ug|ng|g|kg|ml|dl|l|mm|cm|m|km|µm|um|nm|mmol|µmol|umol|mol|iu|u|units?|%|x|×|times|days?|d|weeks?|wks?|months?|mos?|years?|yrs?|hours?|hrs?|h|minutes?|mins?|seconds?|secs?|s|mmhg|bpm|cells|copies)${wordEnd})`;

// Dates -----------------------------------------------------------------------------------------

const day = rx`(?:0?[1-9]|[12]\d|3[01])`;
const monthNumber = rx`(?:0?[1-9]|1[0-2])`;
const year4 = rx`(?:1[89]\d{2}|20\d{2})`;
const ordinal = rx`(?:st|nd|rd|th|ST|ND|RD|TH)?`;

/**
 * Month names in Title and UPPER case, full names also in lower case. "May" stays capitalised
 * only (the verb), and lower-case abbreviations are left out ("dec" for decreased).
 */
const monthName = (() => {
  const months: [string, ...string[]][] = [
    ['January', 'Jan'],
    ['February', 'Feb'],
    ['March', 'Mar'],
    ['April', 'Apr'],
    ['May'],
    ['June', 'Jun'],
    ['July', 'Jul'],
    ['August', 'Aug'],
    ['September', 'Sept', 'Sep'],
    ['October', 'Oct'],
    ['November', 'Nov'],
    ['December', 'Dec'],
  ];
  const variants: string[] = [];
  for (const [full, ...abbreviations] of months) {
    variants.push(full, full.toUpperCase());
    if (full !== 'May' && full !== 'March') variants.push(full.toLowerCase());
    for (const abbreviation of abbreviations) variants.push(abbreviation, abbreviation.toUpperCase());
  }
  return `(?:${variants.sort((a, b) => b.length - a.length).join('|')})\\.?${wordEnd}`;
})();

/** Full month names only, for "in March" style mentions. */
const fullMonthName = rx`(?:January|February|March|April|May|June|July|August|September|October|November|December)${wordEnd}`;

/** An optional time after a date: "2024-03-05T10:30:00Z", "05/03/2024 14:30". */
const timeOfDay = rx`(?:(?:T|${sp}+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|${sp}?[+-]\d{2}:?\d{2})?)?`;

/** Full month names in any case, for dates written out in words. */
const spelledMonth = rx`(?:january|february|march|april|may|june|july|august|september|october|november|december)`;
const hyphen = rx`(?:-|${sp}+)`;
const units = rx`(?:one|two|three|four|five|six|seven|eight|nine)`;
const unitOrdinals = rx`(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)`;
/** "first" to "thirty-first" in words. */
const ordinalWord = rx`(?:(?:twenty|thirty)${hyphen}${unitOrdinals}|${unitOrdinals}|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)`;
const teens = rx`(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)`;
const tensWord = rx`(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:${hyphen}${units})?`;
/** Years in words: "nineteen eighty-four", "twenty twenty-four", "two thousand and three". */
const yearWords = rx`(?:(?:nineteen|twenty)${hyphen}(?:${teens}|${tensWord}|oh${hyphen}${units}|hundred)|two${sp}+thousand(?:${sp}+and)?(?:${sp}+(?:${teens}|${tensWord}|${units}))?)`;

// Obfuscated e-mails ------------------------------------------------------------------------------

/** "@" written out: " at ", "[at]", "(at)", "{at}", " @ ". */
const spelledAt = rx`(?:${sp}*[[({]${sp}*at${sp}*[\])}]${sp}*|${sp}+at${sp}+|${sp}*@${sp}*)`;
/** "." written out: " dot ", "[dot]", "(dot)", " . ". */
const spelledDot = rx`(?:${sp}*[[({]${sp}*dot${sp}*[\])}]${sp}*|${sp}+dot${sp}+|${sp}*\.${sp}*)`;
const topLevelDomain = rx`(?:com|org|net|edu|gov|mil|info|biz|health|io|ai|app|co|uk|us|ca|au|nz|ie|de|fr|eu|nhs)`;

// Ages ------------------------------------------------------------------------------------------

/** 90 to 149. */
const ageOver89 = rx`(?:9\d|1[0-4]\d)`;
const hyphenOrSpace = rx`(?:${sp}*-${sp}*|${sp}+)`;

// Identifiers ----------------------------------------------------------------------------------

/**
 * An identifier value after a label: one token of letters, digits, "/" and "-" holding at least
 * one digit and `minLength` characters, optionally continued by space-separated groups of 3+
 * digits ("943 476 5919"). Ends on a letter or digit, so a sentence's full stop stays.
 */
const idValue = (minLength: number) =>
  rx`(?=[\p{L}\p{N}/-]*\p{N})(?=[\p{L}\p{N}/-]{${minLength}})[\p{L}\p{N}](?:[\p{L}\p{N}/-]*[\p{L}\p{N}])?(?:${sp}\p{N}{3,}[\p{L}\p{N}]*)*`;

/** Labels that always introduce an identifier value. */
const idLabel = rx`(?:mrn|umrn|ssn|nhs|chi|nino|npi|dea|medicare|medicaid|medical${sp}+record|acct|account|a/c|insurance|insurer|policy|member|subscriber|beneficiary|licen[cs]e|lic|passport|serial|s/n|accession|claim|csn|fin|vin|iban)${wordEnd}\.?`;

/** Generic labels: "id", "no.", "number", "#", "№". */
const genericIdLabel = rx`(?:${wordStart}(?:id|nº|number|num)${wordEnd}\.?|${wordStart}no[.:]|#|№)`;

// Phones ----------------------------------------------------------------------------------------

const phoneLabel = rx`(?:tel(?:ephone)?|phone|ph|fax|facsimile|mobile|mob|cell(?:phone)?|pager|bleep|landline|contact(?:${sp}+(?:no|number|phone|tel))?|call|text|sms|whatsapp)${wordEnd}`;
const phoneExtension = rx`(?:${sp}*(?:ext\.?|extension)${sp}*\d{1,6})?`;

// Addresses -------------------------------------------------------------------------------------

/** Capitalised only: "3 lesions close together" is not an address. */
const streetSuffix = `(?:${capitalised(
  'Street',
  'St',
  'Avenue',
  'Ave',
  'Road',
  'Rd',
  'Lane',
  'Ln',
  'Boulevard',
  'Blvd',
  'Drive',
  'Dr',
  'Court',
  'Ct',
  'Place',
  'Pl',
  'Terrace',
  'Square',
  'Sq',
  'Parkway',
  'Pkwy',
  'Highway',
  'Hwy',
  'Circle',
  'Cir',
  'Crescent',
  'Cres',
  'Close',
  'Way',
  'Grove',
  'Gardens',
  'Mews',
  'Row',
  'Walk',
  'Trail',
  'Plaza',
  'Alley',
  'Hill',
  'Park',
)})`;
const streetWord = rx`(?:\p{Lu}[\p{L}\p{M}'’.-]*|\d{1,3}(?:st|nd|rd|th))`;
/** A flat or unit before the number: "Flat 3, 12 Rose Court". */
const leadingUnit = rx`(?:(?:Flat|Apt|Apartment|Unit|Suite|FLAT|APT|UNIT)${sp}*\d{1,5}[A-Za-z]?,?${sp}+)`;
const addressUnit = rx`(?:,?${sp}*(?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|Floor|Rm|Room|APT|SUITE|UNIT|FLAT)\.?${sp}*#?${sp}*(?:\d{1,5}[A-Za-z]?|[A-Za-z]\d{0,4})${tokenEnd})`;
const usStateCode = rx`(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|PR|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY)`;
const zipCode = rx`\d{5}(?:-\d{4})?(?![\p{N}-])`;
/** Upper case with the space: without it too many lab and staging codes look alike. */
const ukPostcode = rx`[A-Z]{1,2}\d[A-Z\d]?${sp}\d[A-Z]{2}`;
const placeWord = rx`\p{Lu}[\p{L}\p{M}'’.-]*`;

// Names -----------------------------------------------------------------------------------------

/**
 * Honorifics and the space or dot after them. Title case and dotted upper case only, because
 * "MR" and "MS" are diagnoses and "ms" is milliseconds.
 */
const honorificPrefix = rx`(?:(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sr|Rev|Sir|Dame|Lady|Lord|Mstr|Master|mr|mrs|dr|prof)(?:\.${sp}*|${sp}+)|(?:MR|MRS|MS|MX|DR|PROF)\.${sp}*)`;
/** Role words that are used as titles ("Nurse Ana Pérez", "Patient John Smith"). */
const roleTitle = caseless(
  'patient',
  'pt',
  'doctor',
  'professor',
  'nurse',
  'sister',
  'matron',
  'midwife',
  'consultant',
  'registrar',
  'practitioner',
  'surgeon',
  'physician',
  'therapist',
  'pharmacist',
  'radiographer',
  'chaplain',
);
/** Relatives and household members: their names are identifiers too (Safe Harbor). */
const relative = caseless(
  'wife',
  'husband',
  'partner',
  'spouse',
  'son',
  'daughter',
  'mother',
  'father',
  'mum',
  'mom',
  'dad',
  'brother',
  'sister',
  'aunt',
  'uncle',
  'cousin',
  'niece',
  'nephew',
  'grandson',
  'granddaughter',
  'grandmother',
  'grandfather',
  'grandma',
  'grandpa',
  'carer',
  'caregiver',
  'guardian',
  'friend',
  'neighbour',
  'neighbor',
);
/**
 * Capitalised words that follow titles and labels but are never names, in lower case. Words that
 * are also names (Will, Ward, Said, An, He, Ed) are left out: a leaked name costs more. Checked in
 * code on what a name pattern matched (see `nameWithin`): as a lookahead inside every name word
 * the list made the patterns too large to compile and run quickly.
 */
const notNames = new Set([
  // labels and form fields
  'name',
  'names',
  'number',
  'no',
  'id',
  'identifier',
  'dob',
  'mrn',
  'nhs',
  'ssn',
  'age',
  'sex',
  'gender',
  'date',
  'address',
  'phone',
  'tel',
  'email',
  'notes',
  'note',
  'history',
  'information',
  'info',
  'details',
  'summary',
  'record',
  'records',
  'consent',
  'education',
  'portal',
  'identification',
  // verbs and function words that start a clause after "Patient"
  'reports',
  'reported',
  'report',
  'states',
  'stated',
  'says',
  'presents',
  'presented',
  'presenting',
  'denies',
  'denied',
  'complains',
  'describes',
  'notices',
  'noticed',
  'agrees',
  'agreed',
  'declined',
  'declines',
  'advised',
  'counselled',
  'counseled',
  'consented',
  'attended',
  'arrived',
  'returns',
  'returned',
  'requests',
  'requested',
  'wishes',
  'prefers',
  'understands',
  'please',
  'has',
  'had',
  'is',
  'was',
  'would',
  'with',
  'without',
  'and',
  'or',
  'the',
  'of',
  'in',
  'on',
  'at',
  'to',
  'for',
  'from',
  'by',
  'who',
  'which',
  'that',
  'this',
  'she',
  'they',
  'his',
  'her',
  'their',
  'it',
  'seen',
  'review',
  'reviewed',
  'referred',
  'referral',
  'plan',
  'assessment',
  'examination',
  'exam',
  'today',
  'yesterday',
  'tomorrow',
  // who the patient is, after "Patient:"
  'male',
  'female',
  'man',
  'woman',
  'boy',
  'girl',
  'child',
  'infant',
  'adult',
  'known',
  'unknown',
  'new',
  'established',
  'here',
  'presents',
  // clinical words that follow "Patient" or a relative
  'type',
  'grade',
  'stage',
  'class',
  'level',
  'left',
  'right',
  'bilateral',
  // services and teams after "seen by", "cc:"
  'team',
  'gp',
  'pcp',
  'clinic',
  'department',
  'dept',
  'unit',
  'hospital',
  'practice',
  'service',
  'dermatology',
  'oncology',
  'rheumatology',
  'pathology',
  'radiology',
  'surgery',
  'plastics',
  'medicine',
  'histopathology',
  // titles themselves: "Consultant Dr Smith" names Smith, not Dr
  'mr',
  'mrs',
  'ms',
  'miss',
  'dr',
  'prof',
  'patient',
  'pt',
  'nurse',
  'sister',
  'doctor',
  'professor',
  'practitioner',
  'consultant',
  'registrar',
  'surgeon',
  'physician',
]);

/** Name particles written in lower case between name words: "van der Berg", "da Silva". */
const particle = rx`(?:van|von|de|der|den|del|della|di|da|du|dos|das|le|la|ter|ten|bin|ibn|al|el)`;
/** One name word: initials ("J.", "J.R.") or a capitalised word, with apostrophes and hyphens. */
const nameWord = rx`(?:\p{Lu}\.(?:\p{Lu}\.)*|\p{Lu}[\p{L}\p{M}'’]*(?:-[\p{L}\p{M}'’]+)*)(?![\p{L}\p{M}\p{N}_])`;
/** The same in Title case only (no all-capitals), where acronyms are likely: "mother MI at 60". */
const titleCaseNameWord = rx`(?:\p{Lu}\.(?:\p{Lu}\.)*|\p{Lu}(?:['’]\p{Lu})?\p{Ll}[\p{L}\p{M}'’]*(?:-[\p{L}\p{M}'’]+)*)(?![\p{L}\p{M}\p{N}_])`;
/** Up to four name words, particles allowed between them. */
const nameOf = (word: string) =>
  rx`(?:${particle}${sp}+){0,2}${word}(?:${sp}+(?:${particle}${sp}+){0,2}${word}){0,3}`;
const personName = nameOf(nameWord);
/** After a name label only: up to four words of letters in any case, "jane o'brien-smith". */
const anyCaseName = rx`\p{L}[\p{L}\p{M}'’.]*(?:-\p{L}[\p{L}\p{M}'’]*)*(?:(?:,?${sp}+)\p{L}[\p{L}\p{M}'’.]*(?:-\p{L}[\p{L}\p{M}'’]*)*){0,3}(?![\p{L}\p{M}\p{N}])`;
const titleCaseName = nameOf(titleCaseNameWord);
/**
 * Up to eight names separated by commas, semicolons, "&", "and": "cc: Dr A. Jones, Ms B. Brown".
 * Bounded, because a list cut short by a non-name word is scanned again from that word.
 */
const personNames = rx`(?:${honorificPrefix})?${personName}(?:${sp}*(?:[,;/&]|${sp}and)${sp}*(?:and${sp}+)?(?:${honorificPrefix})?${personName}){0,7}`;
/** Professional credentials after a name: "Jane Smith, MD". */
const credential = rx`(?:MD|M\.D\.|DO|D\.O\.|RN|NP|MBBS|MBChB|FRCP|FRCPC|FAAD|PhD|DNP|APRN|CRNP|PA-C|MRCP|BSN|LPN|FNP|FNP-BC|DDS|DMD|PharmD)`;

// ---------------------------------------------------------------------------------------------
// The rules, in order. Earlier rules take the more specific shapes, so that, for example, a phone
// number with a label is counted as a phone and not as a labelled id.

const rule = (kind: ScrubKind, source: string, flags = ''): ScrubRule => ({
  kind,
  pattern: new RegExp(source, `gu${flags}`),
});
const nameRule = (source: string, nonNames: 'after' | 'before' = 'after'): ScrubRule => ({
  ...rule('name', source),
  nonNames,
});

/** Rules, in order: URLs, e-mails and IP addresses; ages over 89; dates. */
const contactAgeAndDateRules = (): ScrubRule[] => [
  // --- URLs, e-mails, IP addresses: first, because they contain digits, dates and names ---

  // URLs with a scheme or "www.": up to the next space, trailing punctuation left to the sentence.
  rule(
    'url',
    rx`${tokenStart}(?:https?://|ftp://|www\.)[^\s<>"'${placeholderRange}]*[^\s<>"'.,;:!?)\]${placeholderRange}]`,
    'i',
  ),
  // E-mail addresses.
  rule('email', rx`(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+`),
  // Spelled-out addresses: "jane at example dot com", "jane [at] example [dot] co [dot] uk".
  rule(
    'email',
    rx`(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+${spelledAt}[\p{L}\p{N}-]+(?:${spelledDot}[\p{L}\p{N}-]+){0,3}${spelledDot}${topLevelDomain}${tokenEnd}`,
    'i',
  ),
  // Bare domains with a common top-level domain: "portal.example.org/login".
  rule(
    'url',
    rx`(?<![\p{L}\p{N}@./-])(?:[\p{L}\p{N}-]+\.)+(?:com|org|net|edu|gov|mil|info|biz|health|io|ai|app|co\.uk|org\.uk|nhs\.uk|ac\.uk|gov\.uk|uk|us|ca|au|nz|ie|de|fr|eu)(?:/[^\s<>"'${placeholderRange}]*[^\s<>"'.,;:!?)\]${placeholderRange}])?${tokenEnd}`,
  ),
  // IPv6: eight groups, or "::"-compressed with at least one group, optionally ending in IPv4.
  rule(
    'ip',
    rx`(?<![\p{L}\p{N}:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?|::[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})(?::(?:\d{1,3}\.){3}\d{1,3})?(?![\p{L}\p{N}:]|\.\p{N})`,
    'i',
  ),
  // IPv4 with an optional CIDR suffix: 192.168.10.24, 10.0.0.0/8.
  rule(
    'ip',
    rx`(?<![\p{N}.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:/\d{1,2})?(?!\.?\p{N})`,
  ),

  // --- Ages over 89 (Safe Harbor allows ages, but not over 89): before the number rules ---

  // "aged 95", "age: 95 years": the label goes too, the tag says what it was.
  rule(
    'age',
    rx`${wordStart}aged?${sp}*[:=]?${sp}*${ageOver89}(?![\p{N}.])(?:${sp}*(?:years?|yrs?)(?:${sp}+old)?)?${wordEnd}`,
    'i',
  ),
  // "92-year-old", "92 years old", "95 yrs old", "92 years of age".
  rule(
    'age',
    rx`(?<![\p{N}.])${ageOver89}${hyphenOrSpace}?(?:years?|yrs?|y)\.?${hyphenOrSpace}(?:old|of${sp}+age)${wordEnd}`,
    'i',
  ),
  // "95 yo", "95yo", "95 y/o", "95 y.o.".
  rule('age', rx`(?<![\p{N}.])${ageOver89}${sp}*(?:yo|y/o|y\.o\.?|yoa)(?![\p{L}/])`, 'i'),
  // "92F", "95M": age and sex shorthand (case-sensitive: "95 m" may be metres).
  rule('age', rx`(?<![\p{N}.])${ageOver89}(?:M|F)${tokenEnd}`),
  // "nonagenarian", "centenarian".
  rule('age', rx`${wordStart}(?:super)?(?:nonagenarian|centenarian)s?${wordEnd}`, 'i'),
  // "in her 90s", "in his late nineties": the decade alone says 90+.
  rule(
    'age',
    rx`(?<lead>${wordStart}in${sp}+(?:his|her|their)${sp}+)(?:(?:early|mid|late)(?:-|${sp})?)?(?:90s|90's|nineties)${wordEnd}`,
    'i',
  ),
  // Ages in words: "ninety-two-year-old", "one hundred years old".
  rule(
    'age',
    rx`${wordStart}(?:ninety|one${sp}+hundred)(?:(?:-|${sp})(?:one|two|three|four|five|six|seven|eight|nine))?${hyphenOrSpace}?(?:years?|yr)${hyphenOrSpace}?old${wordEnd}`,
    'i',
  ),

  // --- Dates: every element except a bare year ---

  // ISO and year-first dates, with an optional time: 2024-03-05, 2024/03/05, 2024-03-05T10:30Z.
  rule(
    'date',
    rx`(?<![\p{N}.])${year4}(?<separator>[-/.])${monthNumber}\k<separator>${day}${timeOfDay}(?![\p{N}])`,
  ),
  // Day-month-year or month-day-year in digits: 05/03/2024, 5.3.24, 3-5-2024, with an optional time.
  rule(
    'date',
    rx`(?<![\p{N}./-])${day}(?<separator>[-/.])${day}\k<separator>(?:${year4}|\d{2})${timeOfDay}(?![\p{N}]|[./-]\p{N})${notAQuantity}`,
    'i',
  ),
  // Month and year in digits: 03/2024, 3-2024.
  rule('date', rx`(?<![\p{N}./-])${monthNumber}[/-]${year4}(?![\p{N}]|[./-]\p{N})`),
  // Day, month name, optional year: 5 Mar 2024, 5th of March, 05-MAR-24, 5 March '24.
  rule(
    'date',
    rx`${tokenStart}${day}${ordinal}(?:${sp}+(?:of${sp}+)?|-)${monthName}(?:,?${sp}+${year4}|-(?:${year4}|\d{2})|${sp}*['’]\d{2})?(?![\p{N}])`,
  ),
  // Month name, day, optional year: March 5, 2024; Mar 5th; March 15 2024.
  rule(
    'date',
    rx`${wordStart}${monthName}(?:${sp}+|-)${day}${ordinal}(?:,?${sp}+${year4})?${tokenEnd}${notAQuantity}`,
  ),
  // Spelled out: "the fifth of March", "March the twenty-first, 2024", "5 March twenty twenty-four".
  rule(
    'date',
    rx`${wordStart}(?:(?:the${sp}+)?${ordinalWord}${sp}+(?:of${sp}+)?${spelledMonth}|${spelledMonth}${sp}+(?:the${sp}+)?${ordinalWord})(?:,?${sp}+(?:${year4}|${yearWords}))?${wordEnd}`,
    'i',
  ),
  rule('date', rx`${wordStart}${spelledMonth}(?:${sp}+of)?${sp}+${yearWords}${wordEnd}`, 'i'),
  // Month name and year: Mar 2024, March of 2024, Mar '24.
  rule('date', rx`${wordStart}${monthName},?(?:${sp}+(?:of${sp}+)?|-)(?:${year4}|['’]\d{2})(?![\p{N}])`),
  // A bare year after a birth word: "DOB 1961", "born in 1931", "year of birth: 1931".
  rule(
    'date',
    rx`(?<lead>${wordStart}(?:dob|d\.o\.b\.?|date${sp}+of${sp}+birth|year${sp}+of${sp}+birth|yob|birth${sp}*(?:date|year)|born(?:${sp}+(?:in|on))?)${sp}*[:=-]?${sp}*)(?:${year4}|['’]\d{2})(?![\p{N}])`,
    'i',
  ),
  // A month name on its own after a preposition: "in March", "since January" (month is a date element).
  rule(
    'date',
    rx`(?<lead>${wordStart}(?:${caseless('in', 'on', 'since', 'from', 'until', 'till', 'during', 'last', 'next', 'early', 'mid', 'late', 'end of', 'beginning of')})${sp}+)${fullMonthName}`,
  ),
];

/** Rules, in order: phone numbers, record and account numbers, addresses. */
const numberAndAddressRules = (): ScrubRule[] => [
  // --- Phone numbers with a label: before the id rules, so "Tel no. 0161 496 0000" is a phone ---

  // "Tel: 0161 496 0000", "mobile +44 7700 900123", "fax (555) 010-0199": at least 6 digits.
  rule(
    'phone',
    rx`(?<lead>${wordStart}${phoneLabel}\.?(?:${sp}*(?:no\.?|number|#))?${sp}*[:#.=-]?${sp}*(?:(?:on|at)${sp}+)?)(?=(?:[ ().+-]{0,3}\d){6})\+?(?:\(\d+\)|\d)(?:[\d().-]*[\d)])?(?:${sp}(?:\(\d+\)|\d{2})(?:[\d().-]*[\d)])?)*${phoneExtension}`,
    'i',
  ),

  // --- Record, account and other identifying numbers ---

  // US social security numbers: 123-45-6789, 123 45 6789.
  rule('id', rx`(?<![\p{N}-])\d{3}(?<separator>[- ])\d{2}\k<separator>\d{4}(?![\p{N}]|-\p{N})`),
  // Labelled identifiers: "MRN 12345678", "MRN: A1234567", "acct #99887766", "policy no. XYZ123456".
  rule(
    'id',
    rx`(?<lead>${wordStart}${idLabel}(?:${sp}*(?:id|no\.?|num(?:ber)?\.?|#|code))?${sp}*[:#=.-]?${sp}*(?:is${sp}+)?)${idValue(3)}`,
    'i',
  ),
  // Any value after a generic label: "ID: 55-1234", "case no. 2023/118", "#99887766", "Nº 4411".
  rule('id', rx`(?<lead>${genericIdLabel}${sp}*[:=]?${sp}*)${idValue(4)}`, 'i'),

  // --- Phone numbers without a label ---

  // International: +44 20 7946 0958, +1 (555) 010-0199, +44 (0)20 7946 0958, +447700900123.
  rule(
    'phone',
    rx`(?<![\p{L}\p{N}+])(?=\+[\d ().-]{8})\+(?:\d{8,15}|\d{1,3}(?:[ .-]?\(\d{1,4}\)[ .-]?\d{1,8})?(?:[ .-]\d{1,8}){1,6})(?![\p{N}])${phoneExtension}`,
    'i',
  ),
  // North American: (555) 010-0199, 555-010-0199, 555.010.0199, 1-555-010-0199.
  rule(
    'phone',
    rx`(?<![\p{N}+])(?:1[ .-]?)?(?:\(\d{3}\)${sp}?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\p{N}]|[.-]\p{N})${notAQuantity}${phoneExtension}`,
    'i',
  ),
  // UK style with a leading 0: 020 7946 0958, 0161 496 0000, 07700 900123.
  rule('phone', rx`(?<![\p{N}.,])0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}(?![\p{N}])${notAQuantity}`, 'i'),
  // Seven-digit local numbers: 555-0100, 555.0100.
  rule('phone', rx`(?<![\p{N}./-])\d{3}[.-]\d{4}(?![\p{N}]|[./-]\p{N})${notAQuantity}`, 'i'),

  // Any other token holding a run of 7+ digits: record, device, accession numbers.
  rule('id', rx`(?<![\p{L}\p{N}]|\p{N}[.,])[\p{L}\p{N}]*\d{7}[\p{L}\p{N}]*`),

  // --- Addresses ---

  // A labelled address: the rest of the field (up to a line end, ";", tab or double space).
  rule(
    'address',
    rx`(?<lead>${wordStart}(?:home${sp}+address|address|addr|residence)${sp}*:${sp}*)[^\s;${placeholderRange}]+(?: [^\s;${placeholderRange}]+)*`,
    'i',
  ),
  // PO boxes.
  rule('address', rx`${wordStart}p\.?${sp}*o\.?${sp}*box${sp}*#?${sp}*\d+`, 'i'),
  // Street addresses: "42 Elm Street", "1600 Pennsylvania Ave NW", "Flat 3, 12 Rose Court", "221B Baker St, Apt 2".
  rule(
    'address',
    rx`${leadingUnit}?${tokenStart}\d{1,5}[A-Za-z]?(?:-\d{1,5})?,?${sp}+(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?${sp}+)?(?:${streetWord}${sp}+){1,4}${streetSuffix}\.?${wordEnd}(?:${sp}+(?:N|S|E|W|NE|NW|SE|SW)${wordEnd})?${addressUnit}?`,
  ),
  // City, state and ZIP: "Boston, MA 02115", "St. Louis MO 63110", "Boston, Massachusetts 02115".
  rule(
    'address',
    rx`${nameStart}${placeWord}(?:${sp}+${placeWord}){0,3}(?:,${sp}*(?:${usStateCode}|\p{Lu}\p{Ll}+(?:${sp}+\p{Lu}\p{Ll}+)?)|${sp}+${usStateCode})${sp}+${zipCode}`,
  ),
  // State code and ZIP on their own: "MA 02115".
  rule('address', rx`${tokenStart}${usStateCode}${sp}+${zipCode}`),
  // Labelled postcodes and ZIP codes: "ZIP 02115", "postcode: SW1A 1AA".
  rule(
    'address',
    rx`(?<lead>${wordStart}(?:zip(?:${sp}*code)?|post${sp}*code|postal${sp}*code)${sp}*[:#]?${sp}*)(?:\d{5}(?:-\d{4})?|[a-z]{1,2}\d[a-z\d]?${sp}*\d[a-z]{2}|\d{3,6})${tokenEnd}`,
    'i',
  ),
  // UK postcodes on their own, upper case: "SW1A 1AA", "M1 1AE".
  rule('address', rx`${tokenStart}${ukPostcode}${tokenEnd}`),
];

/** Rules, in order: names after a label (after the numbers, so a labelled name never swallows a date or id). */
const nameRules = (): ScrubRule[] => [
  // --- Names (after the numbers, so a labelled name never swallows a date or id) ---

  // After a form label: "Patient name: Jane Smith", "Name: SMITH, Jane", "NOK: Mary Smith".
  nameRule(
    rx`(?<lead>${wordStart}(?:${caseless(
      'patient name',
      'pt name',
      'full name',
      'name',
      'surname',
      'forename',
      'first name',
      'last name',
      'given name',
      'family name',
      'maiden name',
      'next of kin',
      'nok',
      'emergency contact',
      'contact',
      'guardian',
      'parent',
      'spouse',
      'carer',
      'attending',
      'consultant',
      'physician',
      'provider',
      'clinician',
      'doctor',
      'referrer',
      'referring physician',
      'referring doctor',
      'referring clinician',
      'gp',
      'pcp',
      'author',
      'surgeon',
      'pathologist',
      'dermatologist',
      'radiologist',
      'nurse',
      'attn',
    )})${sp}*[:=]${sp}*${honorificPrefix}?)${personNames}`,
  ),
  // After a name label in any case: "Patient: jane smith", "Pt: DOE, JANE", "name = j. doe".
  nameRule(
    rx`(?<lead>${wordStart}(?:${caseless(
      'patient name',
      'pt name',
      'patient',
      'pt',
      'client',
      'resident',
      'name',
      'full name',
      'surname',
      'first name',
      'last name',
    )})${sp}*[:=]${sp}*${honorificPrefix}?)${anyCaseName}`,
  ),
];

/** Name rules, in order: after a referral phrase, in sign-offs and copy lists, beside titles, roles, relatives and credentials. */
const nameInProseRules = (): ScrubRule[] => [
  // After "seen by", "referred by" and the like: "seen by Dr. Zoë Müller", "referred by Jane Smith".
  nameRule(
    rx`(?<lead>${wordStart}(?:${caseless(
      'seen by',
      'referred by',
      'reviewed by',
      'examined by',
      'assessed by',
      'dictated by',
      'transcribed by',
      'authored by',
      'verified by',
      'reported by',
      'attended by',
      'accompanied by',
      'treated by',
      'performed by',
      'approved by',
      'supervised by',
      'interpreted by',
      'read by',
      'signed by',
      'countersigned by',
      'discussed with',
      'care of',
      'c/o',
    )})${sp}+(?:(?:${roleTitle})${sp}+|${honorificPrefix})?)${personNames}`,
  ),
  // Sign-offs: "Regards, Jane Smith", "Kind regards,\nDr. A. Jones", "Signed: J. Smith", "Thanks, Ana".
  nameRule(
    rx`(?<lead>${wordStart}(?:(?:${caseless(
      'regards',
      'kind regards',
      'best regards',
      'warm regards',
      'warmest regards',
      'with regards',
      'sincerely',
      'yours sincerely',
      'yours faithfully',
      'yours truly',
      'respectfully',
    )})${sp}*[,:-]?|(?:${caseless('signed', 'electronically signed', 'e-signed', 'signed off')})${sp}*:|(?:${caseless(
      'best',
      'best wishes',
      'many thanks',
      'thanks',
      'thank you',
      'cheers',
      'warmly',
    )})${sp}*[,!:])${sp}*(?:\r?\n${sp}*)?${honorificPrefix}?)${personNames}`,
  ),
  // Dash signatures: "-- Dr. A. Jones", and an em dash at the start of a line: "— A. Jones".
  nameRule(rx`(?<lead>(?:(?:^|\n)${sp}*[—–]|(?<!\S)-{2,})${sp}*${honorificPrefix}?)${personNames}`),
  // Copy lists: "cc: Dr A. Jones, Ms B. Brown" (the colon is required: "5 cc Saline" is a volume).
  nameRule(
    rx`(?<lead>${wordStart}(?:${caseless('cc', 'bcc', 'copy to', 'copied to')})${sp}*:${sp}*${honorificPrefix}?)${personNames}`,
  ),
  // After an honorific: "Mr Smith", "Dr. A. Jones", "Mrs O'Brien-Smith", "Prof. van der Berg".
  nameRule(rx`(?<lead>${wordStart}${honorificPrefix})${personName}`),
  // After a role used as a title: "Patient John Smith", "Nurse Ana Pérez", "Pt. Jones".
  nameRule(rx`(?<lead>${wordStart}(?:${roleTitle})(?:(?<=\p{Lu}\p{L}*)\.)?,?${sp}+)${titleCaseName}`),
  // After a relative: "daughter Maria", "her husband, John" (Title case only: "mother MI at 60").
  nameRule(rx`(?<lead>${wordStart}(?:${relative}),?${sp}+)${titleCaseName}`),
  // Before a credential: "Jane Smith, MD", "A. Jones RN".
  nameRule(rx`${nameStart}${personName}(?<trail>,?${sp}*${credential}${tokenEnd})`, 'before'),
];

/**
 * The table in its groups, each built on first use: compiling it at module load cost every cold
 * start, notes or not; built a group at a time, a yielding scrub lets other work run in between.
 */
const ruleGroups: readonly (() => ScrubRule[])[] = [
  contactAgeAndDateRules,
  numberAndAddressRules,
  nameRules,
  nameInProseRules,
];

// ---------------------------------------------------------------------------------------------
// Known identifiers: built per call from what the upload's metadata says about the patient.

/** Name parts never removed on their own: particles and titles are not identifying. */
const commonNameParts = new Set([
  ...'van von de der den del della di da du dos das le la ter ten bin ibn al el'.split(' '),
  ...'mr mrs ms mx miss dr prof sir dame rev jr sr ii iii iv'.split(' '),
]);

/** Accented forms of each Latin letter (Latin-1 Supplement and Extended-A), by base letter. */
const accentedForms = (() => {
  const forms = new Map<string, string>();
  for (let code = 0xc0; code <= 0x17f; code += 1) {
    const character = String.fromCharCode(code);
    const base = character.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    if (base !== character.toLowerCase() && /^[a-z]$/.test(base)) {
      forms.set(base, (forms.get(base) ?? '') + character);
    }
  }
  return forms;
})();

/**
 * One literal as a pattern that tolerates what people change when they retype a name: case (the
 * `i` flag), accents either way ("Jose" for "José" and "Zoë" for "Zoe"), apostrophe style, hyphens.
 */
function tolerantLiteral(text: string): string {
  let pattern = '';
  for (const character of text) {
    const base = character.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    const accented = /^[a-z]$/.test(base) ? accentedForms.get(base) : undefined;
    if (/['’‘ʼ`]/u.test(character)) pattern += `['’‘ʼ]?`;
    else if (/[-‐‑–]/u.test(character)) pattern += rx`(?:[-‐‑–]|${sp})?`;
    else if (accented) pattern += `[${base}${accented}]`;
    else pattern += escapeRegExp(character);
  }
  return pattern;
}

const nameToken = /[\p{L}\p{M}'’‘ʼ-]+/gu;
const idToken = /[\p{L}\p{N}]+/gu;
const letters = (text: string) => text.match(/\p{L}/gu)?.length ?? 0;

/** Patterns for a full name (parts separated by anything short) and each part of 2+ letters. */
function knownNamePatterns(name: string): string[] {
  const parts = name.normalize('NFC').match(nameToken) ?? [];
  const usable = parts.filter((part) => letters(part) > 0);
  if (usable.length === 0) return [];
  const patterns = [usable.map(tolerantLiteral).join(rx`[^\p{L}\p{N}\r\n]{1,3}`)];
  for (const part of usable) {
    // "O'Brien-Smith" is also "O'Brien" and "Smith".
    for (const piece of new Set([part, ...part.split(/[-‐‑–]/u)])) {
      if (letters(piece) >= 2 && !commonNameParts.has(piece.toLowerCase()))
        patterns.push(tolerantLiteral(piece));
    }
  }
  return patterns;
}

/** Patterns for an identifier (separators ignored) and, optionally, each of its parts of 4+ characters with a digit. */
function knownIdentifierPatterns(identifier: string, withParts: boolean): string[] {
  const parts = identifier.normalize('NFC').match(idToken) ?? [];
  if (parts.join('').length < 3) return [];
  const patterns = [parts.map(escapeRegExp).join(rx`[^\p{L}\p{N}\r\n]{0,3}`)];
  if (!withParts) return patterns;
  for (const part of parts) if (part.length >= 4 && /\p{N}/u.test(part)) patterns.push(escapeRegExp(part));
  return patterns;
}

const builtGroups: ScrubRule[][] = [];
/** Builds the next group not built yet; false once the whole table is built. */
function buildNextGroup(): boolean {
  const group = ruleGroups[builtGroups.length];
  if (group === undefined) return false;
  builtGroups.push(group());
  return true;
}
let table: readonly ScrubRule[] | undefined;
function rules(): readonly ScrubRule[] {
  if (table === undefined) {
    while (buildNextGroup());
    table = builtGroups.flat();
  }
  return table;
}

/** The date rules, anchored: a known identifier that is a date (a date of birth) counts as a date. */
let wholeDates: RegExp[] | undefined;
function isDate(identifier: string): boolean {
  wholeDates ??= rules()
    .filter(({ kind }) => kind === 'date')
    .map(({ pattern }) => new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace('g', '')));
  return wholeDates.some((whole) => whole.test(identifier.trim()));
}

function knownRules(known: KnownIdentifiers | undefined): ScrubRule[] {
  if (!known) return [];
  const grouped: Record<'name' | 'id' | 'date', string[]> = { name: [], id: [], date: [] };
  for (const identifier of known.identifiers ?? []) {
    // A date's parts alone are not removed: its year is allowed, and the date rules find the
    // whole date in any other format.
    if (isDate(identifier)) grouped.date.push(...knownIdentifierPatterns(identifier, false));
    else grouped.id.push(...knownIdentifierPatterns(identifier, true));
  }
  for (const name of known.names ?? []) grouped.name.push(...knownNamePatterns(name));
  const built: ScrubRule[] = [];
  for (const kind of ['date', 'id', 'name'] as const) {
    const alternatives = [...new Set(grouped[kind])].sort((a, b) => b.length - a.length);
    if (alternatives.length > 0) {
      built.push(rule(kind, `${tokenStart}(?:${alternatives.join('|')})${tokenEnd}`, 'i'));
    }
  }
  return built;
}

// ---------------------------------------------------------------------------------------------

/** Removed values are held as one private-use character per kind until the end. */
const placeholderOf = (kind: ScrubKind) => String.fromCharCode(0xe000 + scrubKinds.indexOf(kind));
const placeholders = new RegExp(`[${placeholderRange}]`, 'gu');
/** Invisible characters that would split an identifier in two without showing. */
const invisibles = /[\u00AD\u200B-\u200D\u2060\uFEFF]/gu;

const nameWords = /[\p{L}\p{M}'’.-]+/gu;
const possessiveOrDot = /['’]s$|\.$/u;
/** Acronyms that are never names in capitals but are in Title case ("Ed", "Er"). */
const notNamesInCapitals = new Set(['ED', 'ER', 'A&E', 'ICU', 'OPD']);
function isNotAName(word: string): boolean {
  const bare = word.replace(possessiveOrDot, '');
  const lower = bare.toLowerCase();
  return notNames.has(lower) || notNamesInCapitals.has(bare) || lower.endsWith('ologist');
}
/** Separators, "and" and particles left dangling at the end of a cut name. */
const danglingEnd = new RegExp(
  rx`(?:[^\p{L}\p{M}'’.-]+(?:and|${particle})(?![\p{L}\p{M}]))*[^\p{L}\p{M}'’.-]*$`,
  'u',
);
const danglingStart = /^[^\p{L}\p{M}]+/u;

/**
 * The part of what a name pattern matched that is a name, by the stop list: "Reports" after
 * "Patient" is not a name, nor "Dr" in "Consultant Dr Smith" (the honorific rule takes that one).
 * 'after': the name is the part before the first non-name word; 'before': the part after the last.
 */
function nameWithin(value: string, nonNames: 'after' | 'before'): { offset: number; name: string } {
  let stopStart = -1;
  let stopEnd = -1;
  nameWords.lastIndex = 0;
  for (let word = nameWords.exec(value); word !== null; word = nameWords.exec(value)) {
    if (!isNotAName(word[0])) continue;
    if (stopStart === -1) stopStart = word.index;
    stopEnd = word.index + word[0].length;
    if (nonNames === 'after') break;
  }
  if (stopStart === -1) return { offset: 0, name: value };
  if (nonNames === 'after') return { offset: 0, name: value.slice(0, stopStart).replace(danglingEnd, '') };
  const name = value.slice(stopEnd).replace(danglingStart, '');
  return { offset: value.length - name.length, name };
}

function applyRule(
  text: string,
  { kind, pattern, nonNames }: ScrubRule,
  removed: Record<ScrubKind, number>,
): string {
  let result = '';
  let copiedUpTo = 0;
  // exec on the shared instance rather than matchAll, which clones the pattern on every call and
  // so loses its compiled code whenever the engine's compilation cache is cleared.
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const lead = match.groups?.lead ?? '';
    const trail = match.groups?.trail ?? '';
    const value = match[0].slice(lead.length, match[0].length - trail.length);
    const { offset, name } = nonNames ? nameWithin(value, nonNames) : { offset: 0, name: value };
    const nameStart = match.index + lead.length + offset;
    const nameEnd = nameStart + name.length;
    if (name !== '') {
      result += text.slice(copiedUpTo, nameStart) + placeholderOf(kind);
      copiedUpTo = nameEnd;
      removed[kind] += 1;
    }
    // A name cut short by a non-name word is scanned again from that word, which may itself be
    // a title: "Nurse Practitioner Jane Doe", "Prof. Dr. Müller".
    const matchEnd = match.index + match[0].length;
    if (nonNames === 'after' && nameEnd < matchEnd - trail.length) {
      pattern.lastIndex = Math.max(nameEnd, match.index + lead.length, match.index + 1);
    } else if (match[0] === '') pattern.lastIndex += 1; // no rule matches nothing, but never loop on it
  }
  return result + text.slice(copiedUpTo);
}

/** Names by the name list, where no rule's context found them (listed-names.ts). */
function removeListedNames(text: string, removed: Record<ScrubKind, number>): string {
  let result = '';
  let copiedUpTo = 0;
  for (const span of listedNameSpans(text, isNotAName)) {
    result += text.slice(copiedUpTo, span.start) + placeholderOf('name');
    copiedUpTo = span.end;
    removed.name += 1;
  }
  return result + text.slice(copiedUpTo);
}

const selfDelimiting: ReadonlySet<ScrubKind> = new Set(['email', 'url', 'ip']);

/**
 * One scrub as steps: each builds a group of rules or applies one rule, the last answers. In a
 * fresh process each rule's first use also compiles its pattern, so one step is at most a few tens
 * of milliseconds there and well under one afterwards.
 */
function* scrubSteps(notes: string, known: KnownIdentifiers | undefined): Generator<void, ScrubResult> {
  const removed = Object.fromEntries(scrubKinds.map((kind) => [kind, 0])) as Record<ScrubKind, number>;
  // Placeholder characters in the input itself would be read as removed values: neutralise them.
  // NFKC, every script's digits and mixed-script look-alikes first: "ＭＲＮ ４４７１", "МRN ٤٤٧١".
  let text = normaliseForScrubbing(notes).replace(invisibles, '').replace(placeholders, '\uFFFD');
  while (buildNextGroup()) yield;
  // Self-delimiting identifiers (emails, URLs, IP addresses) go first: a known name inside an
  // email address must not break the address apart before it is recognised whole.
  const whole = rules().filter((scrubRule) => selfDelimiting.has(scrubRule.kind));
  const rest = rules().filter((scrubRule) => !selfDelimiting.has(scrubRule.kind));
  for (const scrubRule of [...whole, ...knownRules(known), ...rest]) {
    text = applyRule(text, scrubRule, removed);
    yield;
  }
  text = removeListedNames(text, removed);
  const tagOf = new Map(scrubKinds.map((kind) => [placeholderOf(kind), scrubTags[kind]]));
  return { text: text.replace(placeholders, (placeholder) => tagOf.get(placeholder) ?? ''), removed };
}

/**
 * Removes identifiers from clinical free text and counts them by kind.
 *
 * @example
 * ```ts
 * const { text, removed } = scrubNotes('Seen by Dr. Jones on 5 Mar 2024, MRN 12345678. 6 mm papule.');
 * // text: 'Seen by Dr. [NAME] on [DATE], MRN [ID]. 6 mm papule.'
 * // removed: { name: 1, date: 1, id: 1, phone: 0, ... }
 * ```
 */
export function scrubNotes(notes: string, known?: KnownIdentifiers): ScrubResult {
  const steps = scrubSteps(notes, known);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * `scrubNotes`, giving the event loop a turn between its steps. The first scrub in a process
 * compiles every pattern (a few hundred milliseconds of main thread on a cold Lambda); taken in
 * steps, that work fills the job's waits for downloads and model calls instead of holding them.
 *
 * @example
 * const scrubbing = scrubNotesBetweenEvents(notes, { names: ['Jane Smith'] }); // beside the image fetch
 * const { text } = await scrubbing; // before the recommendation needs it
 */
export async function scrubNotesBetweenEvents(
  notes: string,
  known?: KnownIdentifiers,
  { sliceMs = 4 }: { sliceMs?: number } = {},
): Promise<ScrubResult> {
  const steps = scrubSteps(notes, known);
  // Steps run back to back for `sliceMs`, then the loop gets its turn: a warm scrub (about a
  // millisecond) never waits for one, a cold one gives a turn every few milliseconds.
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}
