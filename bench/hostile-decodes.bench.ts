/**
 * Issue 9's done-when for hostile decodes, measured: `ddx serve` (from the sources, default decode
 * budget) receives a JPEG 2000 DICOM claiming 16 components, a valid 2,647-scan progressive JPEG
 * (4000 x 3000) and, with opj_compress, a 7000 x 7000 RGB JPEG 2000 DICOM, all at once, while
 * /healthz is polled every 100 ms from this process. Reports each refusal's time and code, the
 * slowest /healthz answer and the server's peak resident set (the kernel's VmHWM).
 *
 * Target: /healthz within 1 s throughout, every upload refused within 30 s, peak under 1 GB.
 *
 * @example
 * nice -n 10 node --import tsx bench/hostile-decodes.bench.ts
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, packageRoot } from '../src/config.js';
import { createAccessStores } from '../src/web/access-stores.js';
import { createApiToken } from '../src/web/auth/api-tokens.js';
import { hostileUploads } from '../test/support/hostile-uploads.js';
import { percentile } from './percentiles.js';

async function peakResidentMegabytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kilobytes / 1024);
}

async function main() {
  const uploads = hostileUploads();
  const dataDir = await mkdtemp(join(tmpdir(), 'ddx-hostile-bench-'));
  // An admin token in the server's own store, made the way `ddx tokens create` makes one.
  const access = await createAccessStores(loadConfig({ DDX_DATA_DIR: dataDir, DDX_LOG_LEVEL: 'silent' }));
  const authorization = `Bearer ${(await createApiToken(access.tokens, { role: 'admin', name: 'bench' })).token}`;
  await access.close();
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', join(packageRoot, 'src/entry/cli-main.ts'), 'serve', '--port', '0'],
    {
      env: { PATH: process.env.PATH ?? '', DDX_DATA_DIR: dataDir, DDX_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    let stderr = '';
    server.stderr.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      server.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        const found = /serving the HTTP API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (found?.[1]) resolve(found[1]);
      });
      server.once('exit', (code) => reject(new Error(`ddx serve exited with ${code}:\n${stderr}`)));
    });
    const pid = server.pid ?? 0;
    const startupPeak = await peakResidentMegabytes(pid);

    const healthLatencies: number[] = [];
    let failedPolls = 0;
    let running = true;
    const polling = (async () => {
      while (running) {
        const started = performance.now();
        try {
          const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
          await response.arrayBuffer();
          if (response.status !== 200) failedPolls += 1;
        } catch {
          failedPolls += 1;
        }
        healthLatencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    const started = performance.now();
    const results = await Promise.all(
      uploads.map(async (upload) => {
        const response = await fetch(
          `${url}/v1/uploads?key=${encodeURIComponent(`uploads/bench/${upload.name}`)}`,
          {
            method: 'POST',
            body: upload.bytes,
            headers: { 'content-type': upload.contentType, authorization },
          },
        );
        const body = (await response.json()) as { error?: { code: string; message: string } };
        return {
          upload: upload.name,
          kB: Math.round(upload.bytes.length / 1024),
          status: response.status,
          code: body.error?.code ?? '-',
          seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
          message: body.error?.message.slice(0, 90) ?? '',
        };
      }),
    );
    running = false;
    await polling;
    const peak = await peakResidentMegabytes(pid);

    console.table(results);
    console.log(
      JSON.stringify(
        {
          healthzPolls: healthLatencies.length,
          healthzFailed: failedPolls,
          healthzP50Ms: Math.round(percentile(healthLatencies, 50)),
          healthzMaxMs: Math.round(Math.max(...healthLatencies)),
          slowestRefusalSeconds: Math.max(...results.map((result) => result.seconds)),
          serverPeakRssMb: peak,
          serverRssAfterStartupMb: startupPeak,
        },
        null,
        2,
      ),
    );
  } finally {
    server.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
