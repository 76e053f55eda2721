/**
 * `ddx results list` and `ddx results get <id>`: the stored records, as a table that fits the
 * terminal, a summary, or JSON.
 */
import { outputFormats } from '../outputs/record-output.js';
import { RecordStatus } from '../record.js';
import type { Command } from './command.js';
import { ExitCode } from './exit-code.js';
import { formatRecordSummary } from './format-record.js';
import { topFinding, verdictOf } from './record-cells.js';
import { outputFormat, writeRecordOutput } from './results-output.js';
import { formatTable } from './text-table.js';
import { UsageError } from './usage-error.js';

const defaultListLimit = 50;
const statuses = Object.values(RecordStatus);

export const resultsListCommand: Command = {
  name: 'results list',
  summary: 'list stored records, newest first',
  options: {
    status: { type: 'string', value: statuses.join('|'), description: 'only records with this status' },
    limit: {
      type: 'string',
      value: 'N',
      default: String(defaultListLimit),
      description: 'at most this many records; a longer list says it was cut',
    },
    json: { type: 'boolean', description: 'print the records as a JSON array' },
  },
  examples: ['ddx results list --status failed', 'ddx results list --limit 500 --json > records.json'],
  async run({ options, deps, out, err }) {
    const status = options.text('status');
    if (status !== undefined && !statuses.includes(status as RecordStatus)) {
      throw new UsageError(`--status must be one of ${statuses.join(', ')}; got "${status}"`);
    }
    const limit = options.wholeNumber('limit') ?? defaultListLimit;
    // One more than asked for: whether the list was cut, without a count over the whole store.
    const found = await (await deps()).resultStore.list({
      status: status as RecordStatus | undefined,
      limit: limit + 1,
    });
    const records = found.slice(0, limit);
    if (options.flag('json')) {
      out.write(`${JSON.stringify(records, null, 2)}\n`);
    } else if (records.length === 0) {
      out.write(status ? `no ${status} records\n` : 'no records\n');
    } else {
      const withVerdict = records.some((record) => verdictOf(record) !== undefined);
      const rows = records.map((record) => [
        record.id,
        record.createdAt.slice(0, 16).replace('T', ' '),
        record.status,
        ...(withVerdict ? [verdictOf(record) ?? '-'] : []),
        topFinding(record),
        record.source.key,
      ]);
      const columns = [
        { title: 'record' },
        { title: 'created (UTC)', dropOrder: 2 },
        { title: 'status' },
        ...(withVerdict ? [{ title: 'verdict', dropOrder: 4 }] : []),
        { title: 'top label', minWidth: 14, dropOrder: 3 },
        { title: 'key', minWidth: 12, keep: 'end' as const, dropOrder: 1 },
      ];
      out.write(`${formatTable(columns, rows, out.columns).join('\n')}\n`);
    }
    if (found.length > limit) {
      err.write(`ddx: showing the newest ${limit} records; more are stored (--limit N shows more)\n`);
    }
    return ExitCode.ok;
  },
};

export const resultsGetCommand: Command = {
  name: 'results get',
  summary: 'print one stored record',
  arguments: [{ name: 'id', description: 'the record id (rec_...), as run, batch and list print it' }],
  options: {
    json: { type: 'boolean', description: 'print the stored record as JSON instead of the summary' },
    format: {
      type: 'string',
      value: outputFormats.join('|'),
      description: 'the record as JSON, a FHIR R4 bundle, a DICOM SR or a PDF report (binary: redirect it)',
    },
  },
  examples: [
    'ddx results get rec_c2687d0ff29435b327971bd13a4a5251 --json',
    'ddx results get rec_c2687d0ff29435b327971bd13a4a5251 --format pdf > report.pdf',
  ],
  async run({ args, options, deps, out, err }) {
    const [id = ''] = args;
    const format = options.text('format');
    const composed = await deps();
    const record = await composed.resultStore.get(id);
    if (!record) {
      err.write(`ddx: no record with id ${id} (ddx results list shows the stored ones)\n`);
      return ExitCode.badInput;
    }
    if (format !== undefined) {
      const terminal = {
        stdout: { isTTY: out.isTerminal, write: (chunk: string | Uint8Array) => out.write(chunk) },
        stderr: err,
      };
      return writeRecordOutput(record, outputFormat(format), composed.outputs, terminal);
    }
    out.write(
      options.flag('json')
        ? `${JSON.stringify(record, null, 2)}\n`
        : `${formatRecordSummary(record, false)}\n`,
    );
    return ExitCode.ok;
  },
};
