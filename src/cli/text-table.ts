/**
 * A plain-text table that fits a width: columns too wide give up room down to their minimum
 * (cut with an ellipsis), then, if it still does not fit, the least needed columns are left out.
 * Without a width (a pipe or a file) nothing is cut.
 */
export interface TableColumn {
  title: string;
  /** The narrowest this column may be cut to; a column without one is never cut. */
  minWidth?: number;
  /** Which end of a cut cell is kept: the end of a file path says more than its start. */
  keep?: 'start' | 'end';
  /** Columns are left out lowest first when the minimum widths do not fit; never without one. */
  dropOrder?: number;
  align?: 'left' | 'right';
}

const gap = '  ';

export function formatTable(
  columns: readonly TableColumn[],
  rows: readonly (readonly string[])[],
  maxWidth?: number,
): string[] {
  let shown = columns.map((_, index) => index);
  let widths = naturalWidths(columns, rows);
  if (maxWidth !== undefined) {
    for (;;) {
      widths = shrunkToFit(columns, shown, naturalWidths(columns, rows), maxWidth);
      if (totalWidth(shown, widths) <= maxWidth) break;
      const droppable = shown.filter((index) => columns[index]?.dropOrder !== undefined);
      if (droppable.length === 0) break;
      const first = droppable.reduce((a, b) =>
        (columns[a]?.dropOrder ?? 0) <= (columns[b]?.dropOrder ?? 0) ? a : b,
      );
      shown = shown.filter((index) => index !== first);
    }
  }
  const line = (cells: readonly string[]) =>
    shown
      .map((index) => {
        const column = columns[index];
        const width = widths[index] ?? 0;
        const cell = cut(cells[index] ?? '', width, column?.keep ?? 'start');
        return column?.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join(gap)
      .trimEnd();
  return [
    line(columns.map((column) => column.title)),
    line(columns.map((_, index) => '-'.repeat(widths[index] ?? 0))),
    ...rows.map(line),
  ];
}

function naturalWidths(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): number[] {
  return columns.map((column, index) =>
    Math.max(column.title.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
}

function totalWidth(shown: readonly number[], widths: readonly number[]): number {
  return shown.reduce((sum, index) => sum + (widths[index] ?? 0), 0) + gap.length * (shown.length - 1);
}

/** Takes room from the widest cuttable column, one character at a time, down to the minimums. */
function shrunkToFit(
  columns: readonly TableColumn[],
  shown: readonly number[],
  natural: readonly number[],
  maxWidth: number,
): number[] {
  const widths = [...natural];
  let excess = totalWidth(shown, widths) - maxWidth;
  while (excess > 0) {
    let widest: number | undefined;
    for (const index of shown) {
      const spare = (widths[index] ?? 0) - (columns[index]?.minWidth ?? Number.POSITIVE_INFINITY);
      if (spare > 0 && (widest === undefined || (widths[index] ?? 0) > (widths[widest] ?? 0))) widest = index;
    }
    if (widest === undefined) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess--;
  }
  return widths;
}

function cut(cell: string, width: number, keep: 'start' | 'end'): string {
  if (cell.length <= width) return cell;
  if (width <= 1) return '…'.slice(0, width);
  return keep === 'end' ? `…${cell.slice(cell.length - width + 1)}` : `${cell.slice(0, width - 1)}…`;
}
