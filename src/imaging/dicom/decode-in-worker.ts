/**
 * Runs one untrusted codec decode in its own worker thread, within a budget: the event loop stays
 * free (the server keeps answering), the worker's heap is capped by `resourceLimits` and its
 * WebAssembly memory by the worker itself, and the worker is terminated when its deadline passes.
 * Every way the budget runs out is the same refusal, IMAGE_TOO_COMPLEX, naming the limit. One
 * worker per decode: terminating it returns all its memory, which a reused codec instance keeps.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DecodeBudget } from '../decode-budget.js';
import { imageTooComplex } from '../decode-budget.js';
import type { CodecAnswer, CodecRequest } from './codec-worker.js';
import { corruptDicom } from './dicom-failure.js';
import type { CodecSamples } from './wasm-codecs.js';

export async function decodeInWorker(
  request: CodecRequest,
  budget: Pick<DecodeBudget, 'timeoutMs' | 'memoryMb'>,
): Promise<CodecSamples> {
  const worker = startCodecWorker(budget.memoryMb);
  // A copy of just the frame (Buffer's slice would share memory): it is moved to the worker, and
  // posting a view would clone the whole file's buffer behind it.
  const frame = new Uint8Array(request.frame);
  try {
    const answer = await new Promise<CodecAnswer>((resolve, reject) => {
      const deadline = setTimeout(() => {
        reject(imageTooComplex(`the decode did not finish within its ${budget.timeoutMs} ms budget`));
      }, budget.timeoutMs);
      worker.once('message', (message: CodecAnswer) => {
        clearTimeout(deadline);
        resolve(message);
      });
      worker.once('error', (error: Error & { code?: string }) => {
        clearTimeout(deadline);
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? imageTooComplex(`the decode needed more than its ${budget.memoryMb} MB memory budget`, error)
            : error,
        );
      });
      worker.once('exit', (code) => {
        clearTimeout(deadline);
        reject(new Error(`the codec worker exited (code ${code}) without an answer`));
      });
      worker.postMessage({ ...request, frame }, [frame.buffer]);
    });
    if (answer.ok) return { samples: answer.samples, planar: answer.planar };
    if (answer.reason === 'memory') {
      throw imageTooComplex(`the decode needed more than its ${budget.memoryMb} MB memory budget`);
    }
    throw corruptDicom(`the ${request.codec} frame cannot be decoded (${answer.message})`);
  } finally {
    await worker.terminate();
  }
}

function startCodecWorker(memoryMb: number): Worker {
  const options = {
    workerData: { memoryMb },
    resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
  };
  const script = codecWorkerScript();
  if (!script.endsWith('.ts')) return new Worker(script, options);
  // Tests and `node --import tsx` run the TypeScript sources; a worker does not inherit the loader.
  const url = JSON.stringify(new URL(`file://${script}`).href);
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${url}); })`, {
    ...options,
    eval: true,
  });
}

/** Beside this module (sources, dist/), or at the Lambda bundle's root when this is a chunk. */
function codecWorkerScript(): string {
  const candidates = import.meta.url.endsWith('.ts')
    ? ['./codec-worker.ts']
    : ['./codec-worker.js', '../codec-worker.mjs', './codec-worker.mjs'];
  for (const candidate of candidates) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`the codec worker script is missing (looked for ${candidates.join(', ')})`);
}
