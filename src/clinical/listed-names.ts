/**
 * Finds person names by the name list (person-names.ts) where no title or label says a word is
 * a name: "seen with jennifer", "Okonkwo reports itch". A listed name that is no English word is a
 * name in any case (lower case from 4 letters, so "ada" and "abe" in clinical shorthand stay); a
 * name that is also a word (Grace, Brown, Will) only beside another name found this way, and a
 * capitalised word right after a given name is taken as its family name ("Jennifer Okafor").
 */
import { ambiguousNames, familyNames, givenNames } from './person-names.js';

const toSet = (names: string) => new Set(names.split(' '));
/** The lists as sets, made on first use (20,000 names: milliseconds a process need not pay at load). */
let nameSets: { given: Set<string>; family: Set<string>; ambiguous: Set<string> } | undefined;
function listedNames() {
  nameSets ??= { given: toSet(givenNames), family: toSet(familyNames), ambiguous: toSet(ambiguousNames) };
  return nameSets;
}

export interface NameSpan {
  start: number;
  end: number;
}

const words = /\p{L}[\p{L}\p{M}'’]*(?:-\p{L}[\p{L}\p{M}'’]*)*/gu;
const capitalised = /^\p{Lu}/u;
/** Only spaces, or a comma and spaces ("Brown, Jennifer"), between two words of one name. */
const nameGap = /^(?:[^\S\r\n]+|,[^\S\r\n]*)$/u;

interface Word {
  text: string;
  start: number;
  end: number;
}

function isUnambiguous(word: string): boolean {
  const { given, family } = listedNames();
  const lower = word.toLowerCase();
  if (!given.has(lower) && !family.has(lower)) return false;
  // Lower case: from 4 letters. Capitalised: from 3 (Title case) or 4 (capitals, acronyms).
  if (!capitalised.test(word)) return lower.length >= 4 && word === lower;
  return word === word.toUpperCase() ? lower.length >= 4 : lower.length >= 3;
}

export function listedNameSpans(text: string, notAName: (word: string) => boolean): NameSpan[] {
  const { given, ambiguous } = listedNames();
  const found: Word[] = [...text.matchAll(words)].map((match) => ({
    text: match[0],
    start: match.index,
    end: match.index + match[0].length,
  }));
  const isName = found.map((word) => !notAName(word.text) && isUnambiguous(word.text));
  // Spread to neighbours: an ambiguous listed name beside a name, a capitalised word after a given name.
  for (let pass = 0; pass < 2; pass++) {
    for (let index = 0; index < found.length; index++) {
      const word = found[index];
      if (!word || isName[index] || notAName(word.text) || !capitalised.test(word.text)) continue;
      const before = found[index - 1];
      const after = found[index + 1];
      const joinedBefore = before && isName[index - 1] && nameGap.test(text.slice(before.end, word.start));
      const joinedAfter = after && isName[index + 1] && nameGap.test(text.slice(word.end, after.start));
      const listed = ambiguous.has(word.text.toLowerCase()) || isUnambiguous(word.text);
      const afterGivenName = joinedBefore && given.has(before.text.toLowerCase());
      if ((listed && (joinedBefore || joinedAfter)) || afterGivenName) isName[index] = true;
    }
  }
  const spans: NameSpan[] = [];
  for (const [index, word] of found.entries()) {
    if (!isName[index]) continue;
    const last = spans.at(-1);
    // One name, one span: "Jennifer Okafor" is one [NAME].
    if (
      last &&
      nameGap.test(text.slice(last.end, word.start)) &&
      text.slice(last.end, word.start).trim() === ''
    ) {
      last.end = word.end;
    } else spans.push({ start: word.start, end: word.end });
  }
  return spans;
}
