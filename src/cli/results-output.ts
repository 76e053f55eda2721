/**
 * `ddx results get <id> --format json|fhir|dicom-sr|pdf`: the record in one of the clinic's
 * formats on stdout. Binary formats (DICOM SR, PDF) are refused on a terminal, where they would
 * print garbage: redirect them (`> sr.dcm`, `> report.pdf`).
 */
import {
  type OutputFormat,
  OutputNotAvailableError,
  type OutputSources,
  outputFormats,
  recordOutput,
} from '../outputs/record-output.js';
import type { InferenceRecord } from '../record.js';
import { ExitCode } from './exit-code.js';
import { UsageError } from './usage-error.js';

export interface Terminal {
  stdout: { isTTY?: boolean; write(chunk: string | Uint8Array): unknown };
  stderr: { write(text: string): unknown };
}

export function outputFormat(text: string): OutputFormat {
  if (!(outputFormats as readonly string[]).includes(text)) {
    throw new UsageError(`--format must be one of ${outputFormats.join(', ')}`);
  }
  return text as OutputFormat;
}

export async function writeRecordOutput(
  record: InferenceRecord,
  format: OutputFormat,
  sources: OutputSources,
  terminal: Terminal,
): Promise<number> {
  const extension = { json: 'json', fhir: 'json', 'dicom-sr': 'dcm', pdf: 'pdf' }[format];
  if (format === 'dicom-sr' || format === 'pdf') {
    if (terminal.stdout.isTTY) {
      terminal.stderr.write(
        `ddx: ${format} is binary: not writing it to a terminal; redirect it: ddx results get ${record.id} --format ${format} > ${format === 'pdf' ? 'report' : 'sr'}.${extension}\n`,
      );
      return ExitCode.badInput;
    }
  }
  try {
    const output = await recordOutput(format, record, sources);
    terminal.stdout.write(output.body);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof OutputNotAvailableError) {
      terminal.stderr.write(`ddx: ${error.message}\n`);
      return ExitCode.badInput;
    }
    throw error;
  }
}
