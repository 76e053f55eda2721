// Runs one ONNX model in onnxruntime-node on a batch of uint8 RGB images that a Python
// script saved (the evaluation scripts use it: Debian's Python has no onnxruntime).
// Usage: node training/run_onnx.mjs model.onnx images.u8 N H W mean0,mean1,mean2 std0,std1,std2 out.f32
//   images.u8: N x H x W x 3 uint8; input = (pixel / 255 - mean) / std, NCHW float32.
//   out.f32: the first output, float32, N x (output size), written in order.
import { readFileSync, writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const [modelPath, imagesPath, n, h, w, meanArg, stdArg, outPath] = process.argv.slice(2);
const N = Number(n);
const H = Number(h);
const W = Number(w);
const mean = meanArg.split(',').map(Number);
const std = stdArg.split(',').map(Number);
const pixels = readFileSync(imagesPath);
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
const inputName = session.inputNames[0];
const outputName = session.outputNames[0];
const chunks = [];
const BATCH = 16;
for (let start = 0; start < N; start += BATCH) {
  const count = Math.min(BATCH, N - start);
  const data = new Float32Array(count * 3 * H * W);
  for (let k = 0; k < count; k++) {
    const base = (start + k) * H * W * 3;
    for (let c = 0; c < 3; c++) {
      const plane = (k * 3 + c) * H * W;
      for (let i = 0; i < H * W; i++) data[plane + i] = (pixels[base + i * 3 + c] / 255 - mean[c]) / std[c];
    }
  }
  const result = await session.run({ [inputName]: new ort.Tensor('float32', data, [count, 3, H, W]) });
  chunks.push(Buffer.from(result[outputName].data.buffer.slice(0)));
}
writeFileSync(outPath, Buffer.concat(chunks));
