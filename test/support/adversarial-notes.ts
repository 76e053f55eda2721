/**
 * Notes shaped to make a careless pattern backtrack: long runs of what a pattern's loops accept,
 * and seeded random strings over the characters the patterns look for. The scrubber's tests run
 * them (they must all end), and bench/scrub-notes.bench.ts times them.
 */
export function adversarialNotes(length = 4000): string[] {
  const fill = (unit: string) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  /** Shapes that make a careless pattern backtrack: long runs of what a pattern's loops accept. */
  const units = [
    'a',
    '1',
    '1 ',
    '1-',
    '1.',
    '1/',
    'a@',
    'a.',
    'a@a.',
    ':',
    'f:',
    'ff::',
    'Dr ',
    'Dr A ',
    'Aa ',
    'Aa, ',
    'Aa and ',
    'A.',
    "O'",
    "'A",
    'Aa-',
    'van ',
    '+1 ',
    '+1',
    'http://',
    'www.',
    '12 Aa ',
    'Aa Aa, ',
    'MRN 1-',
    '1 123 ',
    'Name: Aa, ',
    'Name: Aa, Reports, ',
    'Regards, Aa, Reports, ',
    'cc: Aa, Dr, ',
    'Patient Aa Reports ',
    '5 Mar ',
    '(1',
    '95 y',
    'tel 12 ',
    'Regards,\n',
    '-- ',
    '#1',
    'Aa MD ',
    'Zoë ',
    'é',
  ];
  function random(seed: number): string {
    const alphabet = "Aa1 .-/:@+(),#\n'MrDé9x";
    let state = seed;
    let text = '';
    for (let index = 0; index < length; index += 1) {
      state = (state * 1103515245 + 12345) % 2147483648;
      text += alphabet[state % alphabet.length];
    }
    return text;
  }
  return [...units.map(fill), ...[1, 2, 3, 4, 5, 6, 7, 8].map(random)];
}
