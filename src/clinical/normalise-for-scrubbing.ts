/**
 * Folds the ways one identifier can be written in other characters onto the one the scrubber's
 * patterns read: Unicode compatibility forms (NFKC: full-width "１２３" and "ＭＲＮ", ligatures,
 * superscripts), decimal digits of every script ("٤٤٧١٩٠٢", "४४७१") to ASCII, and, inside a token
 * that mixes scripts, Cyrillic and Greek letters that look like Latin ones ("МRN" with a Cyrillic
 * М, "12З4" with a Cyrillic Ze for 3). A word wholly in Cyrillic or Greek is left as it is.
 */

/** Cyrillic and Greek look-alikes of Latin letters and digits. */
const lookAlikes: Readonly<Record<string, string>> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
  І: 'I',
  Ј: 'J',
  Ѕ: 'S',
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  З: '3',
  з: '3',
  б: '6',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  ο: 'o',
  ν: 'v',
};

const nonAsciiDigit = /(?![0-9])\p{Nd}/gu;
const decimalDigit = /^\p{Nd}$/u;
const mixedToken = /[\p{L}\p{N}]+/gu;
const latinOrDigit = /[A-Za-z0-9]/;
const lookAlike = /[\u0370-\u03FF\u0400-\u04FF]/u;

/** The value of a decimal digit of any script: digits come in runs of ten, zero first. */
function digitValue(digit: string): string {
  const code = digit.codePointAt(0) ?? 0;
  let offset = 0;
  while (offset < 60 && decimalDigit.test(String.fromCodePoint(code - offset - 1))) offset += 1;
  return String(offset % 10);
}

export function normaliseForScrubbing(text: string): string {
  return text
    .normalize('NFKC')
    .replace(nonAsciiDigit, digitValue)
    .replace(mixedToken, (token) =>
      latinOrDigit.test(token) && lookAlike.test(token)
        ? [...token].map((character) => lookAlikes[character] ?? character).join('')
        : token,
    );
}
