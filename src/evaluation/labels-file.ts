/**
 * A labelled folder's labels file, shaped like ../shared/data/derm-eval/labels.csv: `file, dx`,
 * optional box columns as fractions of the image (`x_min, y_min, x_max, y_max`), and any other
 * column kept as metadata for the breakdowns (skin tone, source, split).
 */
import { readFile } from 'node:fs/promises';
import { BadInputError, InputErrorCode, PipelineStep } from '../errors.js';

export interface LabelRow {
  file: string;
  dx: string;
  /** The lesion's box as fractions of the image, when the file gives one. */
  box: { xMin: number; yMin: number; xMax: number; yMax: number } | null;
  metadata: Record<string, string>;
}

const boxColumns = ['x_min', 'y_min', 'x_max', 'y_max'] as const;

export async function readLabelsFile(path: string): Promise<LabelRow[]> {
  const text = await readFile(path, 'utf8');
  return parseLabels(text, path);
}

export function parseLabels(text: string, name = 'labels.csv'): LabelRow[] {
  const [header, ...rows] = text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map(splitCsvLine);
  if (!header?.includes('file') || !header.includes('dx')) {
    throw new BadInputError(
      `${name}: the header must name the columns file and dx`,
      InputErrorCode.invalidMetadata,
      PipelineStep.configure,
    );
  }
  const column = (cells: string[], title: string) => cells[header.indexOf(title)]?.trim() ?? '';
  const metadataColumns = header.filter(
    (title) => title !== 'file' && title !== 'dx' && !boxColumns.includes(title as never),
  );
  return rows.map((cells) => {
    const coordinates = boxColumns.map((title) => Number.parseFloat(column(cells, title)));
    const hasBox = header.includes('x_min') && coordinates.every((value) => Number.isFinite(value));
    const [xMin = 0, yMin = 0, xMax = 0, yMax = 0] = coordinates;
    return {
      file: column(cells, 'file'),
      dx: column(cells, 'dx'),
      box: hasBox ? { xMin, yMin, xMax, yMax } : null,
      metadata: Object.fromEntries(metadataColumns.map((title) => [title, column(cells, title)])),
    };
  });
}

/** One CSV line (RFC 4180 quoting: "a, b" and "" for a quote). */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const character = line[index];
    if (quoted) {
      if (character === '"' && line[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (character === '"') quoted = false;
      else cell += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') {
      cells.push(cell);
      cell = '';
    } else cell += character;
  }
  cells.push(cell);
  return cells;
}
