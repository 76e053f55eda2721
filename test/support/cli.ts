/**
 * Runs the real `ddx` binary (bin/ddx.js, built by `npm test` first) in a child process with its
 * own data folder, as a user would.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/config.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function createDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ddx-e2e-'));
}

export function runCli(args: string[], environment: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(packageRoot, 'bin/ddx.js'), ...args],
      {
        env: { PATH: process.env.PATH ?? '', ...environment },
        maxBuffer: 32 * 1024 * 1024,
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Runs `ddx` with the read end of its stdout already closed, as `ddx ... | head -1` leaves it once
 * head has its line: every write the command makes meets EPIPE.
 */
export function runCliIntoClosedPipe(
  args: string[],
  environment: Record<string, string>,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageRoot, 'bin/ddx.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: '', stderr }));
  });
}

/** `script` (util-linux) gives a command a real terminal; undefined where it is not installed. */
export async function terminalRunner(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('script', ['--version'], (error) => resolve(error ? undefined : 'script'));
  });
}

/**
 * Runs `ddx` on a terminal `columns` wide (through `script`), as a user at a terminal sees it:
 * stdout and stderr both on the terminal, lines as the terminal got them.
 */
export function runCliInTerminal(
  args: string[],
  environment: Record<string, string>,
  columns: number,
): Promise<CliResult> {
  const quoted = [process.execPath, join(packageRoot, 'bin/ddx.js'), ...args]
    .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
    .join(' ');
  return new Promise((resolve) => {
    execFile(
      'script',
      ['--quiet', '--return', '--command', `stty cols ${columns} rows 60; exec ${quoted}`, '/dev/null'],
      { env: { PATH: process.env.PATH ?? '', TERM: 'dumb', ...environment }, timeout: 180_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
