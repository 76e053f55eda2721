/**
 * `ddx batch <folder>`: every image in a folder through the pipeline with bounded concurrency,
 * metadata from `<image>.meta.json` beside each image when present.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { mapWithConcurrency } from '../concurrency/map-with-concurrency.js';
import type { Job, PipelineDeps } from '../pipeline/pipeline-deps.js';
import { runInference } from '../pipeline/run-inference.js';
import type { InferenceRecord } from '../record.js';
import { uploadKeyFor } from '../uploads/key-scope.js';
import { isMetadataSidecar } from '../uploads/metadata-sidecar.js';
import { createProgressBar } from './progress-bar.js';
import { metadataFileBeside, uploadImage } from './upload-image.js';

export interface BatchItem {
  file: string;
  record?: InferenceRecord;
  reused?: boolean;
  /** Set when the file could not even be uploaded or stored. */
  problem?: string;
}

/**
 * Files a clinic would upload as images, by extension: unsupported image formats (HEIC, SVG)
 * are included so they end as clear `failed` records; notes, READMEs and sidecars are not images.
 */
const imageExtensions = /\.(jpe?g|png|webp|gif|tiff?|avif|heic|heif|dcm|dicom|bmp|svg|jp2|jxl)$/i;

export async function listBatchFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter(
      (entry) =>
        entry.isFile() &&
        !entry.name.startsWith('.') &&
        !isMetadataSidecar(entry.name) &&
        imageExtensions.test(entry.name),
    )
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)))
    .sort();
}

export async function runBatch(
  folder: string,
  deps: PipelineDeps,
  options: { concurrency: number; inputPrefix: string; requestId: string },
): Promise<BatchItem[]> {
  const files = await listBatchFiles(folder);
  const progress = createProgressBar(files.length);
  const results = await mapWithConcurrency(files, options.concurrency, async (file, index) => {
    const item: BatchItem = { file };
    const imagePath = join(folder, file);
    const key = uploadKeyFor(options.inputPrefix, file);
    try {
      await uploadImage(deps.blobStore, {
        imagePath,
        metadataPath: await metadataFileBeside(imagePath),
        key,
      });
      const job: Job = { source: { key }, requestId: `${options.requestId}-${index + 1}`, trigger: 'batch' };
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

export function formatBatchTable(items: BatchItem[]): string {
  const rows = items.map((item) => {
    const record = item.record;
    const top = record?.classification?.labels[0];
    return [
      item.file,
      record?.status ?? 'error',
      record?.route?.name ?? '-',
      record?.localization ? (record.localization.roi ? 'found' : 'none') : '-',
      top ? `${top.label} ${(top.probability * 100).toFixed(0)}%` : '-',
      record?.billing?.suggestions[0]?.code ?? '-',
      record?.error?.code ?? (item.problem ? 'NOT_RUN' : '-'),
      record ? (record.timings.total?.toFixed(0) ?? '-') : '-',
    ];
  });
  const header = ['file', 'status', 'route', 'ROI', 'top finding', 'ICD-10-CM', 'error', 'ms'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row[1] ?? '', (counts.get(row[1] ?? '') ?? 0) + 1);
  const totals = [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
  const problems = items.filter((item) => item.problem).map((item) => `  ${item.file}: ${item.problem}`);
  return [
    format(header),
    format(widths.map((width) => '-'.repeat(width))),
    ...rows.map(format),
    '',
    `${items.length} file(s): ${totals}`,
    ...problems,
  ].join('\n');
}
