/**
 * `ddx models check <model.onnx> [--card card.json] [--image probe.jpg] [--json]`: loads the model
 * in ONNX Runtime, reads what it says about itself, runs a probe image, and prints in plain words
 * what the card gets wrong, or a card to start from. Exit code 0 when the card fits (or none was
 * given), 2 when it does not.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../config.js';
import { decodeImage } from '../imaging/decode-image.js';
import { type CheckReport, checkModel, type ModelRunner } from '../models/check-model.js';
import { readOnnxModelInfo } from '../models/onnx-metadata.js';
import { ExitCode } from './exit-code.js';

export interface ModelsCheckOptions {
  card?: string;
  image?: string;
  json?: boolean;
}

export async function modelsCheck(
  modelPath: string,
  options: ModelsCheckOptions,
  write: (text: string) => void,
): Promise<number> {
  const model = await readOnnxModelInfo(modelPath);
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(modelPath);
  try {
    const runner: ModelRunner = {
      async run(inputName, data, dims, outputName) {
        const results = await session.run({ [inputName]: new ort.Tensor('float32', data, dims) }, [
          outputName,
        ]);
        const output = results[outputName];
        if (output?.type !== 'float32') throw new Error(`output ${outputName} is missing or not float32`);
        return { data: output.data as Float32Array, dims: output.dims };
      },
    };
    const cardPath = options.card ?? (await existing(modelPath.replace(/\.onnx$/, '.card.json')));
    const card = cardPath
      ? { source: cardPath, raw: JSON.parse(await readFile(cardPath, 'utf8')) as unknown }
      : null;
    const imagePath = options.image ?? join(packageRoot, 'samples', 'localized-melanoma-back.jpg');
    const probe = (await decodeImage(await readFile(imagePath), { maxPixels: 50_000_000 })).image;
    const report = await checkModel(modelPath, model, runner, probe, card);
    write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(modelPath, report));
    return report.problems.length > 0 ? ExitCode.badInput : ExitCode.ok;
  } finally {
    await session.release();
  }
}

function formatReport(modelPath: string, report: CheckReport): string {
  const { model } = report;
  const tensor = (info: { name: string; type: string; shape: (number | string)[] }) =>
    `${info.name}  ${info.type} [${info.shape.join(', ')}]`;
  const lines = [
    `${modelPath}`,
    `  producer   ${model.producerName || '?'} ${model.producerVersion}, ONNX IR ${model.irVersion}, opset ${model.opsetVersion ?? '?'}`,
    ...model.inputs.map((info) => `  input      ${tensor(info)}`),
    ...model.outputs.map((info) => `  output     ${tensor(info)}`),
  ];
  const metadata = Object.entries(model.metadata);
  if (metadata.length > 0) {
    lines.push('  metadata');
    for (const [key, value] of metadata)
      lines.push(`    ${key.padEnd(12)} ${value.length > 100 ? `${value.slice(0, 97)}...` : value}`);
  }
  lines.push('', 'Probe');
  for (const line of report.probe) lines.push(`  ${line}`);
  for (const note of report.notes) lines.push(`  note: ${note}`);
  if (report.cardSource) {
    lines.push('', `Card ${report.cardSource}`);
    if (report.fromModel.length > 0) lines.push(`  taken from the model: ${report.fromModel.join('; ')}`);
    if (report.problems.length === 0) lines.push('  the card fits the model: no problem found');
    else {
      lines.push(`  ${report.problems.length} problem(s):`);
      report.problems.forEach((problem, index) => {
        lines.push(`  ${index + 1}. ${problem}`);
      });
    }
  }
  if (!report.cardSource || report.problems.length > 0) {
    lines.push(
      '',
      report.cardSource
        ? 'A card that fits the model (labels, id and codes kept from yours where they fit):'
        : 'No card: one to start from (fill in labels, description, intendedUse, icd10cm):',
      JSON.stringify(report.starterCard, null, 2),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function existing(path: string): Promise<string | undefined> {
  try {
    await access(path);
    return path;
  } catch {
    return undefined;
  }
}
