// Runs the demo ONNX models on image files roughly the way the orchestrator does, with sharp
// for decoding and resizing (not the project's TypeScript code: a stand-alone check).
//   localized:  letterbox to 320 (pad 114) -> lesion-detector -> conf 0.25, NMS IoU 0.45 ->
//               best box padded 15% per side -> stretched to 128 -> lesion-classifier
//   widespread (--rash): whole image stretched to 128 -> rash-classifier
// Prints one JSON line per image and, with --out DIR, writes copies with the boxes drawn.
// Usage: node training/inspect.mjs [--rash] [--out DIR] [--models DIR] image...
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import sharp from 'sharp';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let outDir = null;
let modelsDir = path.join(here, '..', 'models');
let rash = false;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') outDir = args[++i];
  else if (args[i] === '--models') modelsDir = args[++i];
  else if (args[i] === '--rash') rash = true;
  else files.push(args[i]);
}

const card = (id) => JSON.parse(readFileSync(path.join(modelsDir, `${id}.card.json`), 'utf8'));
const session = (id) => ort.InferenceSession.create(path.join(modelsDir, `${id}.onnx`));

async function decode(file) {
  const { data, info } = await sharp(file).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function toTensor(rgb, w, h, mean, std) {
  const out = new Float32Array(3 * w * h);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < w * h; i++) out[c * w * h + i] = (rgb[i * 3 + c] / 255 - mean[c]) / std[c];
  }
  return new ort.Tensor('float32', out, [1, 3, h, w]);
}

function raw(img) {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

async function letterbox(img, size, pad) {
  const r = Math.min(size / img.width, size / img.height);
  const nw = Math.max(1, Math.round(img.width * r));
  const nh = Math.max(1, Math.round(img.height * r));
  const px = Math.floor((size - nw) / 2);
  const py = Math.floor((size - nh) / 2);
  const data = await raw(img)
    .resize(nw, nh, { fit: 'fill' })
    .extend({
      top: py,
      bottom: size - nh - py,
      left: px,
      right: size - nw - px,
      background: { r: pad, g: pad, b: pad },
    })
    .raw()
    .toBuffer();
  return { data, r, px, py };
}

function iou(a, b) {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

function postprocess(out, conf, iouThr) {
  const [, rows, n] = out.dims;
  const d = out.data;
  const cands = [];
  for (let j = 0; j < n; j++) {
    let score = 0;
    for (let c = 4; c < rows; c++) score = Math.max(score, d[c * n + j]);
    if (score < conf) continue;
    const [cx, cy, w, h] = [d[j], d[n + j], d[2 * n + j], d[3 * n + j]];
    cands.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score });
  }
  cands.sort((a, b) => b.score - a.score);
  const keep = [];
  for (const c of cands) if (keep.every((k) => iou(k.box, c.box) <= iouThr)) keep.push(c);
  return keep;
}

async function classify(sess, c, img) {
  const data = await raw(img).resize(c.input.width, c.input.height, { fit: 'fill' }).raw().toBuffer();
  const res = await sess.run({
    [c.input.name]: toTensor(data, c.input.width, c.input.height, c.input.mean, c.input.std),
  });
  const logits = Array.from(res[c.output.name].data);
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return c.labels
    .map((label, i) => ({ label, p: Number((e[i] / s).toFixed(3)) }))
    .sort((a, b) => b.p - a.p)
    .slice(0, 3);
}

const detCard = card('lesion-detector');
const lesCard = card('lesion-classifier');
const rashCard = card('rash-classifier');
const [det, les, rsh] = await Promise.all([
  session('lesion-detector'),
  session('lesion-classifier'),
  session('rash-classifier'),
]);
if (outDir) mkdirSync(outDir, { recursive: true });

for (const file of files) {
  const img = await decode(file);
  const result = { file: path.basename(file), width: img.width, height: img.height };
  if (rash) {
    result.rash = await classify(rsh, rashCard, img);
  } else {
    const { input, defaults } = detCard;
    const lb = await letterbox(img, input.width, input.padValue);
    const out = (
      await det.run({ [input.name]: toTensor(lb.data, input.width, input.height, input.mean, input.std) })
    )[detCard.output.name];
    const boxes = postprocess(out, defaults.confidence, defaults.iou).map(({ box, score }) => ({
      box: [
        Math.max(0, (box[0] - lb.px) / lb.r),
        Math.max(0, (box[1] - lb.py) / lb.r),
        Math.min(img.width, (box[2] - lb.px) / lb.r),
        Math.min(img.height, (box[3] - lb.py) / lb.r),
      ].map((v) => Math.round(v)),
      score: Number(score.toFixed(3)),
    }));
    result.detections = boxes;
    if (boxes.length) {
      const [x0, y0, x1, y1] = boxes[0].box;
      const padX = 0.15 * (x1 - x0);
      const padY = 0.15 * (y1 - y0);
      const left = Math.max(0, Math.floor(x0 - padX));
      const top = Math.max(0, Math.floor(y0 - padY));
      const width = Math.max(1, Math.min(img.width, Math.ceil(x1 + padX)) - left);
      const height = Math.max(1, Math.min(img.height, Math.ceil(y1 + padY)) - top);
      const { data, info } = await raw(img)
        .extract({ left, top, width, height })
        .raw()
        .toBuffer({ resolveWithObject: true });
      result.lesion = await classify(les, lesCard, { data, width: info.width, height: info.height });
    }
    if (outDir) {
      const rects = boxes
        .map(
          ({ box: [x0, y0, x1, y1], score }) =>
            `<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="none" stroke="lime" stroke-width="3"/>` +
            `<text x="${x0}" y="${Math.max(14, y0 - 4)}" fill="lime" font-size="16">${score}</text>`,
        )
        .join('');
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${img.width}" height="${img.height}">${rects}</svg>`;
      await raw(img)
        .composite([{ input: Buffer.from(svg) }])
        .jpeg({ quality: 85 })
        .toFile(path.join(outDir, `${path.parse(file).name}.boxes.jpg`));
    }
  }
  console.log(JSON.stringify(result));
}
