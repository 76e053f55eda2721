/**
 * Runs a fresh `node` and keeps a failure readable: the error carries the tail of stderr with each
 * line cut short, since a stack trace through a minified bundle quotes whole lines of it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface RunNodeOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeout: number;
}

export async function runNode(
  args: string[],
  options: RunNodeOptions,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(process.execPath, args, { ...options, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    const tail = stderr
      .trim()
      .split('\n')
      .slice(-15)
      .map((line) => (line.length > 300 ? `${line.slice(0, 300)}...` : line));
    const command = args.map((arg) => (arg.length > 120 ? `${arg.slice(0, 120)}...` : arg)).join(' ');
    throw new Error(`node ${command} failed:\n${tail.join('\n')}`, { cause: error });
  }
}
