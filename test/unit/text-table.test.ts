/**
 * The CLI's tables fit the terminal: cut columns first, then leave out the least needed, never
 * cut a record id; nothing is cut without a width (a pipe or a file).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBatchTable } from '../../src/cli/batch.js';
import { formatTable, type TableColumn } from '../../src/cli/text-table.js';
import type { InferenceRecord } from '../../src/record.js';
import { sampleRecord } from '../support/records.js';

const columns: TableColumn[] = [
  { title: 'file', minWidth: 8, keep: 'end' },
  { title: 'id' },
  { title: 'label', minWidth: 6, dropOrder: 2 },
  { title: 'ms', align: 'right', dropOrder: 1 },
];
const rows = [
  ['photos/clinic-a/very-long-file-name.jpg', 'rec_0123456789', 'melanocytic-nevus 97%', '1234'],
  ['b.jpg', 'rec_abcdefabcd', 'urticaria 99%', '5'],
];
const widest = (lines: string[]) => Math.max(...lines.map((line) => line.length));

describe('formatTable', () => {
  it('prints every cell whole without a width', () => {
    const lines = formatTable(columns, rows);
    assert.equal(lines.length, 4);
    assert.ok(lines[2]?.includes('photos/clinic-a/very-long-file-name.jpg'));
    assert.match(lines[3] ?? '', /\s5$/, 'numbers are right-aligned');
  });

  it('cuts the widest cuttable column first, keeping the end of a path', () => {
    const natural = widest(formatTable(columns, rows));
    const lines = formatTable(columns, rows, natural - 10);
    assert.ok(widest(lines) <= natural - 10);
    assert.match(lines[2] ?? '', /^….*file-name\.jpg/);
    assert.ok(lines[2]?.includes('rec_0123456789'), 'ids are never cut');
  });

  it('leaves out columns in their drop order once the minimums do not fit', () => {
    const lines = formatTable(columns, rows, 34);
    assert.ok(widest(lines) <= 34, lines.join('\n'));
    assert.doesNotMatch(lines[0] ?? '', /ms/);
    assert.match(lines[0] ?? '', /label/);
    const narrower = formatTable(columns, rows, 26);
    assert.doesNotMatch(narrower[0] ?? '', /label/);
    assert.ok(
      narrower.slice(2).every((line) => /rec_[0-9a-f]{10}/.test(line)),
      narrower.join('\n'),
    );
  });
});

describe('the batch table', () => {
  const record = (overrides: Partial<InferenceRecord> & Record<string, unknown>) =>
    ({ ...sampleRecord(), ...overrides }) as InferenceRecord;

  it('shows record id, status, top label and time, and the verdict once a record has one', () => {
    const plain = formatBatchTable([{ file: 'a.jpg', record: record({}) }]);
    assert.match(plain[0] ?? '', /^file\s+record\s+status\s+top label\s+ms$/);
    assert.ok(plain[2]?.includes(sampleRecord().id));
    const assessed = record({ assessment: { verdict: 'uncertain', reasons: [], scores: {} } });
    const withVerdict = formatBatchTable([{ file: 'a.jpg', record: assessed }]);
    assert.match(withVerdict[0] ?? '', /status\s+verdict\s+top label/);
    assert.match(withVerdict[2] ?? '', /uncertain/);
  });

  it('fits 80 columns with the record id whole', () => {
    const items = Array.from({ length: 3 }, (_, index) => ({
      file: `clinic/2026/november/patient-folder-${index}/IM000${index}`,
      record: record({ assessment: { verdict: 'out-of-scope', reasons: [], scores: {} } }),
    }));
    const lines = formatBatchTable(items, 80);
    assert.ok(widest(lines) <= 80, lines.join('\n'));
    assert.ok(lines.slice(2).every((line) => line.includes(sampleRecord().id)));
  });
});
