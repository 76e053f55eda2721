/**
 * Runs the real `ddx` binary (bin/ddx.js, built by `npm test` first) in a child process with its
 * own data folder, as a user would.
 */
import { execFile } from 'node:child_process';
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
