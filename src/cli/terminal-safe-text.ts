/**
 * Text made safe to print on a terminal: whatever a record holds came, in part, from outside (an
 * LLM's rationale, a model server's label, a file name), and an escape sequence in it would be
 * run by the terminal: a forged "rec_... SUCCEEDED" line, a changed window title, a hidden line.
 * Removed: ANSI escape sequences whole (CSI, OSC, the two-byte ones), every other C0 and C1
 * control character but newline and tab, and the Unicode bidirectional overrides that reorder a
 * line as it is shown. Everything else, accents and scripts included, is kept.
 *
 * @example
 * terminalSafeText('ok\u001b[2K\rrec_1 SUCCEEDED') // 'okrec_1 SUCCEEDED'
 */

const escapeSequences = new RegExp(
  [
    // CSI: ESC [ (or the one-byte C1 CSI), parameters, intermediates, a final byte.
    String.raw`(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]`,
    // OSC, DCS, SOS, PM, APC: ESC ] ... up to BEL or ST (ESC \), or to the end of the text.
    String.raw`(?:\u001b[\]PX^_]|[\u0090\u0098\u009d-\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?`,
    // Two-byte escapes: ESC and one more character.
    String.raw`\u001b[\u0020-\u007e]?`,
  ].join('|'),
  'g',
);
const controlCharacters =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point of this pattern.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafeText(text: string): string {
  return text.replace(escapeSequences, '').replace(controlCharacters, '');
}
