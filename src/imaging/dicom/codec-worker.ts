/**
 * The worker the untrusted codecs run in (started by decode-in-worker.ts, one per decode). Its
 * JavaScript heap is capped by the Worker's `resourceLimits`; array buffers (the codecs' heaps)
 * are not, so every one past the budget is refused here: the codec's allocation fails, and the
 * answer says the memory budget was the reason. The main thread terminates it on its deadline.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { thrownMessage } from './dicom-failure.js';
import { type CodecFrameShape, decodeWithCodec, type WasmCodec } from './wasm-codecs.js';

export interface CodecRequest {
  codec: WasmCodec;
  frame: Uint8Array;
  shape: CodecFrameShape;
}

export type CodecAnswer =
  | { ok: true; samples: Uint8Array | Uint16Array; planar: boolean }
  | { ok: false; reason: 'memory' | 'corrupt'; message: string };

const budgetBytes = (workerData as { memoryMb: number }).memoryMb * 1024 * 1024;
let budgetExceeded = false;
// The cornerstone codecs are wasm2js builds: their heap is one ArrayBuffer, replaced by a larger
// one each time it grows. Refusing any ArrayBuffer over the budget caps that heap; the codec's
// allocation then fails and the answer names the budget.
globalThis.ArrayBuffer = new Proxy(ArrayBuffer, {
  construct(target, args: unknown[], newTarget) {
    if (Number(args[0] ?? 0) > budgetBytes) {
      budgetExceeded = true;
      throw new RangeError('the decode memory budget is spent');
    }
    return Reflect.construct(target, args, newTarget);
  },
});

parentPort?.once('message', async (request: CodecRequest) => {
  let answer: CodecAnswer;
  try {
    const { samples, planar } = await decodeWithCodec(request.codec, request.frame, request.shape);
    answer = { ok: true, samples, planar };
  } catch (error) {
    answer = { ok: false, reason: budgetExceeded ? 'memory' : 'corrupt', message: thrownMessage(error) };
  }
  parentPort?.postMessage(answer, answer.ok ? [answer.samples.buffer as ArrayBuffer] : []);
});
