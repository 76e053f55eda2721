/**
 * The bad-input table of docs/bad-input.md as rows of cells, from the corpus and from the
 * markdown, so a test can hold the two equal. The markdown parse is deliberately plain: the first
 * table whose header starts with "id", one row per line, cells split on "|", backticks dropped.
 */
import { type CorpusCase, outcomeCells } from './corpus-case.js';

export const tableColumns = ['id', 'category', 'input', 'status', 'code', 'step', 'retriable'] as const;
export type TableRow = Record<(typeof tableColumns)[number], string>;

export function corpusTableRow(testCase: CorpusCase): TableRow {
  return {
    id: testCase.id,
    category: testCase.category,
    input: testCase.description,
    ...outcomeCells(testCase),
  };
}

/** The table as markdown, for pasting into the docs when the corpus changes. */
export function renderTable(rows: TableRow[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(tableColumns),
    line(tableColumns.map(() => '---')),
    ...rows.map((row) => line(tableColumns.map((column) => asCode(column, row[column])))),
  ].join('\n');
}

const codeColumns: ReadonlySet<string> = new Set(['id', 'code', 'step']);

/** Ids, codes and steps are names to search for: set as code, which the parse strips again. */
function asCode(column: string, cell: string): string {
  return codeColumns.has(column) && cell !== '-' ? `\`${cell}\`` : cell;
}

export function parseDocsTable(markdown: string): TableRow[] {
  const lines = markdown.split('\n').map((line) => line.trim());
  const header = lines.findIndex((line) => cellsOf(line)[0] === 'id');
  if (header < 0) throw new Error('no table with an "id" column');
  const columns = cellsOf(lines[header] ?? '');
  if (columns.join() !== tableColumns.join()) {
    throw new Error(`the table's columns are ${columns.join(', ')}, expected ${tableColumns.join(', ')}`);
  }
  const rows: TableRow[] = [];
  // Skip the header and the |---| line; the table ends at the first line that is not a row.
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = cellsOf(line);
    rows.push(
      Object.fromEntries(tableColumns.map((column, index) => [column, cells[index] ?? ''])) as TableRow,
    );
  }
  return rows;
}

function cellsOf(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim().replace(/`/g, ''));
}
