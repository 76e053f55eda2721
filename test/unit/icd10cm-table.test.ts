import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  loadIcd10CmTable,
  normaliseIcd10CmCode,
  parseIcd10CmTable,
} from '../../src/clinical/icd10cm-table.js';
import { loadKnowledgeBase } from '../../src/clinical/knowledge-base.js';
import { ConfigurationError } from '../../src/errors.js';
import { smallIcd10CmTsv } from '../support/unit-icd10cm.js';

const header = 'code\tbillable\tdescription';

function parseProblem(text: string): string {
  let caught: unknown;
  try {
    parseIcd10CmTable(text, 'test');
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigurationError, `expected ConfigurationError, got ${String(caught)}`);
  assert.equal(caught.code, 'INVALID_CONFIGURATION');
  return caught.message;
}

describe('normaliseIcd10CmCode', () => {
  const cases: [string, string | null][] = [
    ['c4359', 'C43.59'],
    ['C43.59', 'C43.59'],
    ['L40.0', 'L40.0'],
    [' l400 ', 'L40.0'],
    ['R21', 'R21'],
    ['r21', 'R21'],
    ['S61.412A', 'S61.412A'],
    ['Z99.ZZZZZ', null],
    ['U07.1', null],
    ['12.3', null],
    ['C43.5.9', null],
    ['C4', null],
    ['', null],
    ['melanoma', null],
    ['C43-9', null],
  ];
  for (const [input, expected] of cases) {
    it(`normalises ${JSON.stringify(input)} to ${String(expected)}`, () => {
      assert.equal(normaliseIcd10CmCode(input), expected);
    });
  }
});

describe('parseIcd10CmTable', () => {
  const table = parseIcd10CmTable(smallIcd10CmTsv, 'small@test');

  it('looks codes up with their billable flag and description', () => {
    assert.deepEqual(table.lookup('C43.59'), {
      code: 'C43.59',
      billable: true,
      description: 'Malignant melanoma of other part of trunk',
    });
    assert.deepEqual(table.lookup('C43'), {
      code: 'C43',
      billable: false,
      description: 'Malignant melanoma of skin',
    });
    assert.equal(table.lookup('C44.99'), undefined);
    assert.equal(table.version, 'small@test');
  });

  it('lists the children one level below a subcategory', () => {
    assert.deepEqual(
      table.children('C43.5').map((entry) => entry.code),
      ['C43.51', 'C43.52', 'C43.59'],
    );
  });

  it('lists the children one level below a three-character category', () => {
    assert.deepEqual(
      table.children('C43').map((entry) => entry.code),
      ['C43.0', 'C43.3', 'C43.5', 'C43.9'],
    );
    assert.deepEqual(
      table.children('L40').map((entry) => entry.code),
      ['L40.0', 'L40.9'],
    );
  });

  it('has no children for a billable leaf or an unknown code', () => {
    assert.deepEqual(table.children('C43.59'), []);
    assert.deepEqual(table.children('R21'), []);
    assert.deepEqual(table.children('Q99'), []);
  });

  it('reads Windows line endings', () => {
    const windows = parseIcd10CmTable(smallIcd10CmTsv.replaceAll('\n', '\r\n'), 'crlf');
    assert.equal(windows.lookup('L40.9')?.description, 'Psoriasis, unspecified');
  });

  it('refuses a table without the header', () => {
    assert.match(parseProblem('C43\t0\tMalignant melanoma of skin\n'), /must start with the header/);
  });

  it('refuses a header with other column names', () => {
    assert.match(parseProblem('code\tbillable\tname\nC43\t0\tMalignant melanoma of skin\n'), /header/);
  });

  it('refuses an empty file', () => {
    assert.match(parseProblem(''), /header/);
  });

  it('refuses a line with a billable flag other than 0 or 1, naming its line', () => {
    assert.equal(
      parseProblem(
        `${header}\nC43\t0\tMalignant melanoma of skin\nC43.9\tyes\tMalignant melanoma of skin, unspecified\n`,
      ),
      'ICD-10-CM table line 3 is malformed',
    );
  });

  it('refuses a lower-case or undotted code', () => {
    assert.match(
      parseProblem(`${header}\nc43.9\t1\tMalignant melanoma of skin, unspecified\n`),
      /line 2 is malformed/,
    );
    assert.match(
      parseProblem(`${header}\nC439\t1\tMalignant melanoma of skin, unspecified\n`),
      /line 2 is malformed/,
    );
  });

  it('refuses a line without a description', () => {
    assert.match(parseProblem(`${header}\nC43.9\t1\n`), /line 2 is malformed/);
  });

  it('refuses a line separated by spaces instead of tabs', () => {
    assert.match(
      parseProblem(`${header}\nC43.9 1 Malignant melanoma of skin, unspecified\n`),
      /line 2 is malformed/,
    );
  });

  it('counts blank lines when naming the malformed line', () => {
    const text = `${header}\nC43\t0\tMalignant melanoma of skin\n\nC43.9\tmaybe\tMalignant melanoma of skin, unspecified\n`;
    assert.equal(parseProblem(text), 'ICD-10-CM table line 4 is malformed');
  });
});

describe('the project code table data/icd10cm-codes.tsv', () => {
  const tablePath = resolve('data/icd10cm-codes.tsv');
  const knowledgeBasePath = resolve('data/knowledge-base.json');

  it('loads, and its version names the file and a content digest', async (t) => {
    if (!existsSync(tablePath)) {
      t.skip('data/icd10cm-codes.tsv is missing');
      return;
    }
    const table = await loadIcd10CmTable(tablePath);
    assert.match(table.version, /^icd10cm-codes\.tsv@[0-9a-f]{12}$/);
    assert.equal(table.lookup('C43.9')?.billable, true);
    const lineCount = (await readFile(tablePath, 'utf8'))
      .split('\n')
      .filter((line) => line.trim() !== '').length;
    assert.ok(lineCount > 100, `${lineCount} lines`);
  });

  it('holds every code of data/knowledge-base.json', async (t) => {
    if (!existsSync(tablePath) || !existsSync(knowledgeBasePath)) {
      t.skip('data/icd10cm-codes.tsv or data/knowledge-base.json is missing');
      return;
    }
    const table = await loadIcd10CmTable(tablePath);
    const knowledgeBase = await loadKnowledgeBase(knowledgeBasePath);
    const codes = new Map<string, string>();
    for (const [label, condition] of Object.entries(knowledgeBase.conditions)) {
      for (const code of condition.icd10cm) codes.set(code, `${label}.icd10cm`);
      for (const [region, siteCodes] of Object.entries(condition.siteSpecificIcd10cm)) {
        for (const code of siteCodes ?? []) codes.set(code, `${label}.siteSpecificIcd10cm.${region}`);
      }
      for (const differential of condition.differentials) {
        for (const code of differential.icd10cm)
          codes.set(code, `${label} differential ${differential.condition}`);
      }
    }
    assert.ok(codes.size > 10, `only ${codes.size} codes found in the knowledge base`);
    const missing = [...codes]
      .filter(([code]) => table.lookup(code) === undefined)
      .map(([code, where]) => `${code} (${where})`);
    assert.deepEqual(missing, []);
  });
});
