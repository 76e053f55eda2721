/**
 * `ddx serve-models` in a process of its own, as production runs the models apart from the
 * orchestrator: the real CLI from source, ready once it prints its address. Its peak resident set
 * comes from /proc, where there is one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../src/config.js';

export interface ModelServerSettings {
  /** The routing table whose local models are served (DDX_ROUTES of the server); the default table when absent. */
  routesPath?: string;
  /** Required as `api_key` on the Roboflow path (ROBOFLOW_API_KEY of the server), when set. */
  roboflowApiKey?: string;
}

export interface ModelServerProcess {
  url: string;
  pid: number;
  /** The kernel's high-water mark of the server's resident set (VmHWM), in bytes; null off Linux. */
  peakResidentBytes(): Promise<number | null>;
  stop(): Promise<void>;
}

const startTimeoutMs = 60_000;
const stopTimeoutMs = 10_000;

export async function startModelServerProcess(
  settings: ModelServerSettings = {},
): Promise<ModelServerProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(packageRoot, 'src/entry/cli-main.ts'),
      'serve-models',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
    ],
    {
      cwd: packageRoot,
      env: {
        PATH: process.env.PATH,
        DDX_LOG_LEVEL: 'warn',
        ...(settings.routesPath && { DDX_ROUTES: settings.routesPath }),
        ...(settings.roboflowApiKey && { ROBOFLOW_API_KEY: settings.roboflowApiKey }),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const url = await addressOf(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error('ddx serve-models has no process id');
  return {
    url,
    pid,
    peakResidentBytes: () => peakResidentBytesOf(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      // The CLI closes the server on SIGTERM; one that hangs must not hold the bench open.
      const stuck = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await exited;
      clearTimeout(stuck);
    },
  };
}

/** Resolves with the URL the server prints once it listens; rejects if it exits or stays silent. */
function addressOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ddx serve-models did not start within ${startTimeoutMs} ms: ${stderr}`));
    }, startTimeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`ddx serve-models exited with ${code}: ${stderr}`));
    };
    child.once('exit', onExit);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url) {
        clearTimeout(timer);
        child.off('exit', onExit);
        // Later warnings still pass through, so a failing server is visible in the run's output.
        child.stderr?.removeAllListeners('data');
        child.stderr?.on('data', (later: Buffer) => process.stderr.write(later));
        resolve(url);
      }
    });
  });
}

async function peakResidentBytesOf(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kilobytes = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kilobytes === undefined ? null : Number(kilobytes) * 1024;
  } catch {
    return null;
  }
}
