/**
 * `ddx serve` as a user starts it: the real CLI in a child process (from the sources, so a stale
 * build cannot stand in for them), on a free loopback port, with a data folder of its own; and
 * `ddx tokens create` against the same folder, as an administrator creates tokens.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/config.js';

const execFileAsync = promisify(execFile);
const cliArgs = ['--import', 'tsx', join(packageRoot, 'src/entry/cli-main.ts')];

export interface ServeProcess {
  url: string;
  /** Ctrl-C, as a user stops it; resolves once the process has exited. */
  stop(): Promise<void>;
}

function environmentFor(dataDir: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', DDX_DATA_DIR: dataDir };
}

/** `ddx tokens create --role R --name N`: the token it prints once. */
export async function createToken(dataDir: string, role: string, name: string): Promise<string> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [...cliArgs, 'tokens', 'create', '--role', role, '--name', name],
    { cwd: packageRoot, env: environmentFor(dataDir), timeout: 60_000 },
  );
  const token = stdout.trim();
  if (!/^\S{20,}$/.test(token)) throw new Error('ddx tokens create printed no token');
  return token;
}

/** Starts `ddx serve --port 0` and waits for the address it prints. */
export async function startServe(dataDir: string): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, [...cliArgs, 'serve', '--port', '0'], {
    cwd: packageRoot,
    env: environmentFor(dataDir),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ddx serve did not start:\n${stderr.slice(-2000)}`)),
      90_000,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving the HTTP API on (http:\/\/[\d.]+:\d+)/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ddx serve exited with ${code}:\n${stderr.slice(-2000)}`));
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
    },
  };
}
