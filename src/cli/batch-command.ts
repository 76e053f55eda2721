/**
 * `ddx batch <folder>`: every image of a folder through the pipeline (batch.ts), what was skipped
 * and why, and a table that fits the terminal.
 */
import { randomUUID } from 'node:crypto';
import { formatBatchSummary, formatBatchTable, formatSkipped, runBatch } from './batch.js';
import { listBatchFiles } from './batch-files.js';
import type { Command } from './command.js';
import { ExitCode, exitCodeFor, worstExitCode } from './exit-code.js';

export const batchCommand: Command = {
  name: 'batch',
  summary: 'process every image in a folder and its subfolders, print a summary table',
  arguments: [{ name: 'folder', description: 'the folder to read; symbolic links are followed' }],
  options: {
    concurrency: { type: 'string', value: 'N', default: '2', description: 'images processed at once' },
    json: {
      type: 'boolean',
      description: 'print { records, notRun, skipped } as JSON instead of the table',
    },
  },
  description: [
    'A file is an image by its content (a DICOM named IM0001, a JPEG without an',
    'extension) or by an image name (a broken photo.jpg still gets a failed record',
    'saying what is wrong). Metadata comes from <image>.meta.json beside each image.',
    'Hidden files, documents and other files are skipped and listed with the reason.',
    'Each image is uploaded as `ddx run` uploads it. A folder without images exits 2.',
  ].join('\n'),
  examples: ['ddx batch samples/', 'ddx batch ~/clinic-photos --concurrency 4 --json > records.json'],
  async run({ args, options, config, deps, out, err }) {
    const [folder = ''] = args;
    const concurrency = options.wholeNumber('concurrency') ?? 2;
    const { images, skipped } = await listBatchFiles(folder);
    const json = options.flag('json');
    if (!json)
      out.write(
        formatSkipped(skipped, out.columns)
          .map((line) => `${line}\n`)
          .join(''),
      );
    if (images.length === 0) {
      if (json) out.write(`${JSON.stringify({ records: [], notRun: [], skipped }, null, 2)}\n`);
      err.write(`ddx: no images in ${folder}${skipped.length > 0 ? ` (${skipped.length} skipped)` : ''}\n`);
      return ExitCode.badInput;
    }
    const items = await runBatch(folder, images, await deps(), {
      concurrency,
      inputPrefix: config().inputPrefix,
      requestId: randomUUID(),
    });
    if (json) {
      const records = items.flatMap((item) => (item.record ? [item.record] : []));
      const notRun = items.flatMap((item) =>
        item.problem ? [{ file: item.file, problem: item.problem }] : [],
      );
      out.write(`${JSON.stringify({ records, notRun, skipped }, null, 2)}\n`);
    } else {
      const lines = [...formatBatchTable(items, out.columns), '', ...formatBatchSummary(items)];
      out.write(`${lines.join('\n')}\n`);
    }
    return worstExitCode(items.map((item) => (item.record ? exitCodeFor(item.record) : ExitCode.internal)));
  },
};
