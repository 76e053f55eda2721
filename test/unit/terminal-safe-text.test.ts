/**
 * Control characters from outside never reach the terminal (issue 9 item 4): an LLM reply's ANSI
 * escapes forged a "rec_... SUCCEEDED" line. Every text the CLI writes is cleaned; bytes are not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bufferedOutput, streamOutput } from '../../src/cli/cli-output.js';
import { formatRecordSummary } from '../../src/cli/format-record.js';
import { terminalSafeText } from '../../src/cli/terminal-safe-text.js';
import { sampleRecord } from '../support/records.js';
import { localizedFinalRecord } from '../support/reportable-records.js';

describe('terminalSafeText', () => {
  const cases: [string, string, string][] = [
    [
      'a forged status line',
      'rationale\u001b[2K\r\u001b[32mrec_123 SUCCEEDED\u001b[0m',
      'rationalerec_123 SUCCEEDED',
    ],
    ['a window title (OSC, BEL-ended)', 'x\u001b]0;pwned\u0007y', 'xy'],
    [
      'a hyperlink (OSC 8, ST-ended)',
      '\u001b]8;;http://evil.example\u001b\\click\u001b]8;;\u001b\\',
      'click',
    ],
    ['C1 CSI and other C1 controls', 'a\u009b31mb\u0085c', 'abc'],
    ['C0 controls but newline and tab', 'a\u0000b\u0007c\u0008d\n\te\u007f', 'abcd\n\te'],
    ['bidirectional overrides', 'rec_1 \u202eDELIAF\u202c', 'rec_1 DELIAF'],
    ['accents, scripts and emoji', 'Zoë — 皮膚 — طفح ✓', 'Zoë — 皮膚 — طفح ✓'],
  ];
  for (const [title, input, expected] of cases) {
    it(`removes ${title}`, () => assert.equal(terminalSafeText(input), expected));
  }
});

describe('CLI output', () => {
  it('cleans every text written to a stream, and leaves bytes alone', () => {
    const written: (string | Uint8Array)[] = [];
    const stream = {
      on: () => stream,
      write: (chunk: string | Uint8Array) => written.push(chunk),
      isTTY: true,
      columns: 80,
    };
    const output = streamOutput(stream as unknown as NodeJS.WriteStream);
    output.write('a\u001b[31mb\n');
    const pdf = Uint8Array.from([0x25, 0x50, 0x1b, 0x00]);
    output.write(pdf);
    assert.deepEqual(written, ['ab\n', pdf]);
  });

  it('prints a record whose LLM text carries escapes without them', () => {
    const record = sampleRecord({ recommendation: localizedFinalRecord().recommendation });
    const [first] = record.recommendation?.differentials ?? [];
    assert.ok(first, 'the sample record has a differential');
    first.rationale = 'plausible\u001b[2K\r\u001b[1mrec_999 SUCCEEDED';
    const output = bufferedOutput();
    output.write(formatRecordSummary(record, false));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: an escape character is what must be absent.
    assert.doesNotMatch(output.text(), /[\u001b\r]/);
  });
});
