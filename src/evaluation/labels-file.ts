/**
 * A labelled folder's labels file, shaped like derm-eval's labels.csv: `file, dx`, optional box
 * columns as fractions of the image (`x_min, y_min, x_max, y_max`), and any other column kept as
 * metadata for the breakdowns (skin tone, source, split). A file with several outlined lesions has
 * a row per lesion: its rows become one image with several boxes, so each image is run and
 * counted once.
 */
import { readFile } from 'node:fs/promises';
import { BadInputError, InputErrorCode, PipelineStep } from '../errors.js';

export interface LabelRow {
  file: string;
  dx: string;
  /** The outlined lesions' boxes as fractions of the image; empty when the file gives none. */
  boxes: FractionBox[];
  metadata: Record<string, string>;
}

export interface FractionBox {
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
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
  const images = new Map<string, LabelRow>();
  for (const cells of rows) {
    const file = column(cells, 'file');
    const dx = column(cells, 'dx');
    const coordinates = boxColumns.map((title) => Number.parseFloat(column(cells, title)));
    const hasBox = header.includes('x_min') && coordinates.every((value) => Number.isFinite(value));
    const [xMin = 0, yMin = 0, xMax = 0, yMax = 0] = coordinates;
    const boxes = hasBox ? [{ xMin, yMin, xMax, yMax }] : [];
    const seen = images.get(file);
    if (!seen) {
      const metadata = Object.fromEntries(metadataColumns.map((title) => [title, column(cells, title)]));
      images.set(file, { file, dx, boxes, metadata });
    } else if (seen.dx !== dx) {
      throw new BadInputError(
        `${name}: ${file} is labelled both ${seen.dx} and ${dx}: one diagnosis per image`,
        InputErrorCode.invalidMetadata,
        PipelineStep.configure,
      );
    } else seen.boxes.push(...boxes);
  }
  return [...images.values()];
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
