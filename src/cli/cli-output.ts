/**
 * Where the CLI writes: stdout or stderr, closed-pipe safe. `ddx results list | head -1` closes
 * the pipe after one line; Node then reports EPIPE as an 'error' event, which would end the
 * process with a stack trace. The reader has what it wanted, so the rest is dropped quietly and
 * the command ends with its own exit code. Any other write failure (a full disk behind `> file`)
 * is kept, so the command does not claim success for output that was lost. Every text written
 * goes through `terminalSafeText` (escape sequences and control characters removed); bytes (PDF,
 * DICOM) are written as they are.
 */
import { terminalSafeText } from './terminal-safe-text.js';

export interface CliOutput {
  /** Text, or bytes for the binary formats (`results get --format pdf > report.pdf`). */
  write(chunk: string | Uint8Array): void;
  /** The terminal's width; undefined when this is a pipe or a file (nothing is cut to fit). */
  readonly columns: number | undefined;
  readonly isTerminal: boolean;
  /** A write failure other than a closed pipe, once one happened. */
  failure(): Error | undefined;
}

export function streamOutput(stream: NodeJS.WriteStream): CliOutput {
  let closed = false;
  let failure: Error | undefined;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    closed = true;
    if (error.code !== 'EPIPE') failure ??= error;
  });
  return {
    write(text) {
      if (!closed && !stream.destroyed)
        stream.write(typeof text === 'string' ? terminalSafeText(text) : text);
    },
    get columns() {
      return stream.isTTY ? stream.columns : undefined;
    },
    get isTerminal() {
      return Boolean(stream.isTTY);
    },
    failure: () => failure,
  };
}

/** Output kept in memory, for tests and for callers that want the text (docs/cli.md). */
export function bufferedOutput(options: { columns?: number } = {}): CliOutput & { text(): string } {
  let text = '';
  return {
    write(chunk) {
      text += typeof chunk === 'string' ? terminalSafeText(chunk) : Buffer.from(chunk).toString('utf8');
    },
    columns: options.columns,
    isTerminal: options.columns !== undefined,
    failure: () => undefined,
    text: () => text,
  };
}
