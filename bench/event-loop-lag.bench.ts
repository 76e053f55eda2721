/**
 * `node --import tsx bench/event-loop-lag.bench.ts`: does model inference block the event loop?
 * A probe samples the loop's delay (perf_hooks `monitorEventLoopDelay`) while each piece of a
 * local model call runs back to back: the tensor's preparation (sharp resize and normalise), the
 * whole `detect` / `classify` call, and a plain timer as the idle reference. A piece that runs off
 * the main thread leaves the delay near the idle one; one that runs on it shows its own duration.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openOnnxModel } from '../src/adapters/shared/onnx/onnx-session.js';
import { composeDependencies } from '../src/compose.js';
import { loadConfig, packageRoot } from '../src/config.js';
import { decodeImage } from '../src/imaging/decode-image.js';
import { prepareModelInput } from '../src/imaging/model-input.js';
import { machineLine } from './bench-report.js';
import { median } from './percentiles.js';

const calls = Number(process.env.BENCH_CALLS ?? 40);

async function main(): Promise<void> {
  const deps = await composeDependencies(
    loadConfig({ ...process.env, DDX_DATA_DIR: join(packageRoot, '.bench-lag'), DDX_LOG_LEVEL: 'silent' }),
  );
  const detector = await deps.models.detector('lesion-detector');
  const classifier = await deps.models.classifier('lesion-classifier');
  const bytes = await readFile(join(packageRoot, 'samples/localized-melanoma-back.jpg'));
  const { image } = await decodeImage(bytes, { maxPixels: deps.limits.maxImagePixels });
  for (let warm = 0; warm < 5; warm++) {
    await detector.detect(image);
    await classifier.classify(image);
  }
  console.log(`event-loop delay during model calls (${calls} calls each)`);
  console.log(`  ${machineLine()}`);
  const probe = async (label: string, work: () => Promise<unknown>) => {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const start = performance.now();
    for (let call = 0; call < calls; call++) await work();
    const perCall = (performance.now() - start) / calls;
    delay.disable();
    const ms = (nanoseconds: number) => (nanoseconds / 1e6).toFixed(2);
    console.log(
      `  ${label.padEnd(30)} ${perCall.toFixed(2).padStart(7)} ms per call; loop delay p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, max ${ms(delay.max)} ms`,
    );
  };
  await probe('idle (5 ms timer)', () => new Promise((resolve) => setTimeout(resolve, 5)));
  await probe('detector tensor (sharp + normalise)', () => prepareModelInput(image, detector.card.input));
  await probe('detect (tensor + session.run)', () => detector.detect(image));
  await probe('classify (tensor + session.run)', () => classifier.classify(image));
  await probe('decode (sharp)', () => decodeImage(bytes, { maxPixels: deps.limits.maxImagePixels }));

  // The time each call holds the main thread before handing back its promise, and the whole call:
  // robust to a busy machine, where the delay percentiles above are mostly other processes.
  const detectorModel = await openOnnxModel(join(packageRoot, 'models/lesion-detector.onnx'), detector.card);
  const tensor = await prepareModelInput(image, detector.card.input);
  const held = async (label: string, start: () => Promise<unknown>) => {
    const sync: number[] = [];
    const whole: number[] = [];
    for (let call = 0; call < calls; call++) {
      const begin = performance.now();
      const pending = start();
      sync.push(performance.now() - begin);
      await pending;
      whole.push(performance.now() - begin);
    }
    console.log(
      `  ${label.padEnd(30)} holds the main thread ${median(sync).toFixed(2)} ms of ${median(whole).toFixed(2)} ms (medians)`,
    );
  };
  await held('session.run (detector)', () => detectorModel.run(tensor.data, tensor.dims));
  await held('detector tensor (sharp + normalise)', () => prepareModelInput(image, detector.card.input));
  await detectorModel.release();
  await deps.close();
}

await main();
