/**
 * The `ddx` command line: a thin translation from arguments to a command of the table
 * (cli/command-table.ts) and from its outcome to text and an exit code (0 usable record, 2 bad
 * input or a usage error, 1 anything else). Every failure is one line on stderr.
 */

import { type CliOutput, streamOutput } from '../cli/cli-output.js';
import { commandTable } from '../cli/command-table.js';
import { ExitCode } from '../cli/exit-code.js';
import { helpText } from '../cli/help-text.js';
import { packageVersion } from '../cli/package-version.js';
import { type CommandLine, parseCommandLine } from '../cli/parse-command-line.js';
import { UsageError } from '../cli/usage-error.js';
import { type ComposedDependencies, composeDependencies } from '../compose.js';
import { type Config, loadConfig } from '../config.js';
import { DdxError, isInputErrorCode } from '../errors.js';

export interface CliStreams {
  stdout: CliOutput;
  stderr: CliOutput;
}

let processStreams: CliStreams | undefined;

/** The process's stdout and stderr, closed-pipe safe; made once, however often `main` runs. */
export function processOutput(): CliStreams {
  processStreams ??= { stdout: streamOutput(process.stdout), stderr: streamOutput(process.stderr) };
  return processStreams;
}

/**
 * Runs one `ddx` command; resolves to its exit code.
 *
 * @param environment the configuration's variables (config.ts); the process's when left out.
 * @param streams where the output goes; the process's stdout and stderr when left out.
 * @example
 * process.exitCode = await main(['run', 'samples/localized-melanoma-back.jpg', '--json']);
 */
export async function main(
  argv: string[],
  environment?: NodeJS.ProcessEnv,
  streams: CliStreams = processOutput(),
): Promise<number> {
  const { stdout: out, stderr: err } = streams;
  let line: CommandLine;
  try {
    line = parseCommandLine(argv, commandTable);
  } catch (error) {
    return reportFailure(error, err);
  }
  switch (line.kind) {
    case 'version':
      out.write(`ddx ${await packageVersion()}\n`);
      return ExitCode.ok;
    case 'help':
      out.write(`${helpText(line.topic, commandTable, await packageVersion())}\n`);
      return line.missing ? ExitCode.badInput : ExitCode.ok;
    case 'command': {
      const code = await runCommandLine(line, environment, streams);
      const lost = out.failure();
      if (!lost) return code;
      err.write(`ddx: the output could not be written: ${lost.message}\n`);
      return ExitCode.internal;
    }
  }
}

async function runCommandLine(
  line: Extract<CommandLine, { kind: 'command' }>,
  environment: NodeJS.ProcessEnv | undefined,
  { stdout: out, stderr: err }: CliStreams,
): Promise<number> {
  const { command, args, options } = line;
  // The CLI prints its own one-line errors: step logs only with --verbose or DDX_LOG_LEVEL.
  const logLevel = options.flag('verbose') || command.logsByDefault ? 'info' : 'error';
  let config: Config | undefined;
  const loadedConfig = () => {
    config ??= loadConfig(environment, { DDX_LOG_LEVEL: logLevel });
    return config;
  };
  let composing: Promise<ComposedDependencies> | undefined;
  const deps = () => {
    composing ??= composeDependencies(loadedConfig());
    return composing;
  };
  try {
    return await command.run({ args, options, config: loadedConfig, deps, out, err });
  } catch (error) {
    return reportFailure(error, err);
  } finally {
    await (await composing?.catch(() => undefined))?.close();
  }
}

function reportFailure(error: unknown, err: CliOutput): number {
  if (error instanceof UsageError) {
    err.write(`ddx: ${error.message}\n`);
    return ExitCode.badInput;
  }
  if (error instanceof DdxError) {
    err.write(`ddx: ${error.code}: ${error.message}\n`);
    return isInputErrorCode(error.code) ? ExitCode.badInput : ExitCode.internal;
  }
  err.write(`ddx: ${(error as Error).message}\n`);
  return ExitCode.internal;
}
