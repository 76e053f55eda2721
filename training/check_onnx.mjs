// ONNX parity check: runs the exported models in onnxruntime-node on the inputs that
// train_all.py saved (training/.cache/parity) and compares with the torch outputs.
// Usage: node training/check_onnx.mjs [parity dir]   (train_all.py runs it at the end)
// Prints one line per case, then a JSON summary as the last line; exits 1 on a mismatch.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

const TOLERANCE = 1e-4;
const here = path.dirname(fileURLToPath(import.meta.url));
const parityDir = process.argv[2] ?? path.join(here, '.cache', 'parity');
const { modelsDir, cases } = JSON.parse(readFileSync(path.join(parityDir, 'cases.json'), 'utf8'));

function readF32(file) {
  const bytes = readFileSync(path.join(parityDir, file));
  return new Float32Array(new Uint8Array(bytes).buffer);
}

const models = {};
let ok = true;
let worst = 0;
let worstScaled = 0;
for (const [id, list] of Object.entries(cases)) {
  const session = await ort.InferenceSession.create(path.join(modelsDir, `${id}.onnx`));
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  const info = { inputNames: session.inputNames, outputNames: session.outputNames, cases: [] };
  for (const c of list) {
    const input = new ort.Tensor('float32', readF32(c.input), c.inputShape);
    const result = await session.run({ [inputName]: input });
    const out = result[outputName];
    const expected = readF32(c.output);
    // |ort - torch| <= TOLERANCE * max(1, |torch|): absolute for logits and scores,
    // relative for box coordinates (0..320 px, where float32 rounding alone is ~3e-5)
    let maxAbs = 0;
    let maxScaled = 0;
    for (let i = 0; i < expected.length; i++) {
      const d = Math.abs(out.data[i] - expected[i]);
      maxAbs = Math.max(maxAbs, d);
      maxScaled = Math.max(maxScaled, d / Math.max(1, Math.abs(expected[i])));
    }
    const sameShape = JSON.stringify(out.dims) === JSON.stringify(c.outputShape);
    const pass = sameShape && out.data.length === expected.length && maxScaled <= TOLERANCE;
    ok &&= pass;
    worst = Math.max(worst, maxAbs);
    worstScaled = Math.max(worstScaled, maxScaled);
    info.cases.push({
      inputShape: c.inputShape,
      outputShape: out.dims,
      maxAbsDiff: maxAbs,
      maxScaledDiff: maxScaled,
      pass,
    });
    console.log(
      `${id}: ${inputName} [${c.inputShape}] -> ${outputName} [${out.dims}] max |ort - torch| = ${maxAbs.toExponential(2)} (scaled ${maxScaled.toExponential(2)}) ${pass ? 'OK' : 'MISMATCH'}`,
    );
  }
  models[id] = info;
}
const summary = `${ok ? 'pass' : 'FAIL'}: max |onnxruntime-node ${ort.env.versions?.node ?? ''} - torch| = ${worst.toExponential(2)} absolute, ${worstScaled.toExponential(2)} scaled by max(1, |torch|) (tolerance ${TOLERANCE})`;
console.log(
  JSON.stringify({
    ran: true,
    ok,
    tolerance: TOLERANCE,
    maxAbsDiff: worst,
    maxScaledDiff: worstScaled,
    summary,
    models,
  }),
);
process.exit(ok ? 0 : 1);
