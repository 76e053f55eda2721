/**
 * `ddx batch <folder>`: every image of a folder (batch-files.ts) through the pipeline with bounded
 * concurrency, metadata from `<image>.meta.json` beside each image when present (else a default
 * file, when given), and a report that
 * fits the terminal: what was skipped and why, one row per image, the totals.
 */
import { join } from 'node:path';
import { mapWithConcurrency } from '../concurrency/map-with-concurrency.js';
import type { Job, PipelineDeps } from '../pipeline/pipeline-deps.js';
import { runInference } from '../pipeline/run-inference.js';
import type { InferenceRecord } from '../record.js';
import type { SkippedFile } from './batch-files.js';
import { createProgressBar } from './progress-bar.js';
import { topFinding, totalMilliseconds, verdictOf } from './record-cells.js';
import { formatTable, type TableColumn } from './text-table.js';
import { metadataFileBeside, uploadLocalImage } from './upload-image.js';

export interface BatchItem {
  file: string;
  record?: InferenceRecord;
  reused?: boolean;
  /** Set when the file could not even be uploaded or stored. */
  problem?: string;
}

export async function runBatch(
  folder: string,
  images: readonly string[],
  deps: PipelineDeps,
  options: {
    concurrency: number;
    inputPrefix: string;
    requestId: string;
    /** Metadata for the images without a `<image>.meta.json` of their own. */
    defaultMetadataPath?: string;
  },
): Promise<BatchItem[]> {
  const progress = createProgressBar(images.length);
  const results = await mapWithConcurrency(images, options.concurrency, async (file, index) => {
    const item: BatchItem = { file };
    const imagePath = join(folder, file);
    try {
      const source = await uploadLocalImage(deps.blobStore, {
        imagePath,
        metadataPath: (await metadataFileBeside(imagePath)) ?? options.defaultMetadataPath,
        inputPrefix: options.inputPrefix,
        name: file,
      });
      const job: Job = { source, requestId: `${options.requestId}-${index + 1}`, trigger: 'batch' };
      const outcome = await runInference(job, deps);
      item.record = outcome.record;
      item.reused = outcome.reused;
    } catch (error) {
      item.problem = (error as Error).message;
    }
    progress.tick(file);
    return item;
  });
  progress.done();
  return results;
}

export function formatSkipped(skipped: readonly SkippedFile[], width?: number): string[] {
  if (skipped.length === 0) return [];
  const rows = skipped.map(({ file, reason }) => [file, reason]);
  const columns: TableColumn[] = [
    { title: 'skipped', minWidth: 12, keep: 'end' },
    { title: 'why', minWidth: 20 },
  ];
  return [...formatTable(columns, rows, width), ''];
}

/**
 * One row per image: file, record id, status, verdict (when any record has an assessment), top
 * label, milliseconds. On a narrow terminal the file and label are cut first, then the time, the
 * label and the verdict are left out; the record id and status always show.
 */
export function formatBatchTable(items: readonly BatchItem[], width?: number): string[] {
  const withVerdict = items.some((item) => item.record && verdictOf(item.record) !== undefined);
  const columns: (TableColumn & { cell(item: BatchItem): string })[] = [
    { title: 'file', minWidth: 12, keep: 'end', cell: (item) => item.file },
    { title: 'record', cell: (item) => item.record?.id ?? '-' },
    { title: 'status', cell: (item) => item.record?.status ?? 'not run' },
    ...(withVerdict
      ? [
          {
            title: 'verdict',
            dropOrder: 3,
            cell: (item: BatchItem) => (item.record && verdictOf(item.record)) ?? '-',
          },
        ]
      : []),
    {
      title: 'top label',
      minWidth: 14,
      dropOrder: 2,
      cell: (item) => (item.record ? topFinding(item.record) : '-'),
    },
    {
      title: 'ms',
      align: 'right',
      dropOrder: 1,
      cell: (item) => (item.record ? totalMilliseconds(item.record) : '-'),
    },
  ];
  const rows = items.map((item) => columns.map((column) => column.cell(item)));
  return formatTable(columns, rows, width);
}

/** The totals, then each failure or degradation in a line of its own: the table has no room for why. */
export function formatBatchSummary(items: readonly BatchItem[]): string[] {
  const counts = new Map<string, number>();
  for (const item of items) {
    const status = item.record?.status ?? 'not run';
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  const totals = [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
  const reused = items.filter((item) => item.reused).length;
  const lines = [
    `${items.length} image(s): ${totals || 'none'}${reused > 0 ? ` (${reused} answered from stored records)` : ''}`,
  ];
  for (const item of items) {
    const error = item.record?.error;
    if (error) lines.push(`  ${item.file}: ${error.code} in ${error.step}: ${error.message}`);
    else if (item.problem) lines.push(`  ${item.file}: not run: ${item.problem}`);
  }
  return lines;
}
