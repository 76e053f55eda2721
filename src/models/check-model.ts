/**
 * `ddx models check`: what an ONNX model is, what card it needs, and what a given card gets wrong.
 * The model's own facts come from its file (tensor names, types and shapes, exporter metadata);
 * a probe image run through ONNX Runtime shows how it behaves (logits or probabilities, how many
 * scores, whether it finds anything). Every disagreement with the card becomes a sentence that
 * says what is wrong and what to write instead; without problems, the card is confirmed, and
 * without a card, one to start from is printed.
 */
import { basename } from 'node:path';
import type { DecodedImage } from '../domain.js';
import { prepareModelInput } from '../imaging/model-input.js';
import { completeCardFromModel } from './complete-card.js';
import { decodeDetectorOutput } from './detector-output.js';
import { type ModelCard, modelCardSchema } from './model-card.js';
import type { OnnxModelInfo, OnnxTensorInfo } from './onnx-metadata.js';
import { softmax } from './rank-labels.js';
import { readUltralyticsMetadata } from './ultralytics-metadata.js';

export interface ModelRunner {
  run(
    inputName: string,
    data: Float32Array,
    dims: readonly number[],
    outputName: string,
  ): Promise<{ data: Float32Array; dims: readonly number[] }>;
}

export interface CheckReport {
  model: OnnxModelInfo;
  /** Where the card came from, or null when none was given. */
  cardSource: string | null;
  /** What the model needs, as a complete card: printed to start from, and the reference for the checks. */
  starterCard: ModelCard;
  /** Card fields the routing table would take from the model when the card leaves them out. */
  fromModel: string[];
  probe: string[];
  problems: string[];
  notes: string[];
}

const imagenet = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const halves = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

export async function checkModel(
  modelPath: string,
  model: OnnxModelInfo,
  runner: ModelRunner,
  probeImage: DecodedImage,
  card: { source: string; raw: unknown } | null,
): Promise<CheckReport> {
  const problems: string[] = [];
  const notes: string[] = [];
  const probe: string[] = [];
  const ultralytics = readUltralyticsMetadata(model.metadata);
  const input = model.inputs[0];
  const output = model.outputs[0];
  if (!input || !output) throw new Error('the model has no input or no output');
  if (model.inputs.length > 1)
    notes.push(
      `the model has ${model.inputs.length} inputs; DDx Assist feeds one image tensor (${input.name})`,
    );

  const given =
    card?.raw !== null && typeof card?.raw === 'object' ? (card.raw as Record<string, unknown>) : null;
  const starter = starterCard(modelPath, model, given);
  const completed = completeCardFromModel(given ?? starter, model);
  const parsedStarter = modelCardSchema.safeParse(completeCardFromModel(starter, model).card);
  if (!parsedStarter.success)
    throw new Error(`cannot describe this model as a card: ${parsedStarter.error.issues[0]?.message}`);
  const reference = parsedStarter.data;

  // How the model behaves on the probe, prepared the way the model needs.
  const observed = await runProbe(runner, reference, probeImage);
  probe.push(...observed.lines);
  if (reference.task === 'classification' && observed.kind) reference.output.activation = observed.kind;

  if (given) {
    const parsed = modelCardSchema.safeParse(completed.card);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`the card's ${issue.path.join('.') || 'top level'} is not valid: ${issue.message}`);
    } else {
      problems.push(...compareCard(parsed.data, reference, model, observed, ultralytics !== null));
      if (problems.length === 0 && parsed.data.task === 'detection' && observed.detections !== undefined) {
        const underCard = await runProbe(runner, parsed.data, probeImage);
        if (observed.detections > 0 && underCard.detections === 0) {
          problems.push(
            `prepared as the card says, the probe finds nothing; prepared the usual way for this model it finds ${observed.detections}: check input.scale, mean, std and resize`,
          );
        }
      }
    }
  }
  if (!ultralytics && reference.task === 'classification') {
    notes.push(
      input.name === 'pixel_values'
        ? 'Hugging Face export (input pixel_values): its preprocessor_config.json gives image_mean and image_std (often 0.5, 0.5, 0.5; ImageNet values for many ConvNeXt/ViT checkpoints); copy them into input.mean and input.std'
        : 'torchvision and timm classifiers expect ImageNet normalisation (mean 0.485 0.456 0.406, std 0.229 0.224 0.225) unless trained otherwise: the starter card assumes it; the model file cannot say',
    );
  }
  if (input.shape.some((size, axis) => axis > 0 && typeof size !== 'number')) {
    notes.push(
      `input ${input.name} has dynamic dimensions [${input.shape.join(', ')}]: the card's width and height decide the size${ultralytics ? ` (Ultralytics exported it at ${ultralytics.imgsz.width} x ${ultralytics.imgsz.height})` : ''}`,
    );
  }
  if (
    ultralytics &&
    (ultralytics.imgsz.width % ultralytics.stride !== 0 ||
      ultralytics.imgsz.height % ultralytics.stride !== 0)
  ) {
    problems.push(
      `Ultralytics imgsz ${ultralytics.imgsz.width} x ${ultralytics.imgsz.height} is not a multiple of its stride ${ultralytics.stride}`,
    );
  }
  if (ultralytics && ultralytics.task !== 'detect' && ultralytics.task !== 'classify') {
    problems.push(
      `Ultralytics task "${ultralytics.task}" is not one DDx Assist runs: export a detect or classify model (or a mask model with output [1, 1, H, W])`,
    );
  }
  return {
    model,
    cardSource: card?.source ?? null,
    starterCard: reference,
    fromModel: completed.filled,
    probe,
    problems,
    notes,
  };
}

/** A card for this model from its own facts; identity, labels and codes from the given card. */
function starterCard(
  modelPath: string,
  model: OnnxModelInfo,
  given: Record<string, unknown> | null,
): Record<string, unknown> {
  const ultralytics = readUltralyticsMetadata(model.metadata);
  const input = model.inputs[0] as OnnxTensorInfo;
  const output = model.outputs[0] as OnnxTensorInfo;
  const task = guessTask(output, ultralytics?.task);
  const outputSize =
    typeof output.shape[output.shape.length - 1] === 'number'
      ? (output.shape[output.shape.length - 1] as number)
      : 2;
  const labels =
    ultralytics?.names ??
    (task === 'classification'
      ? Array.from({ length: outputSize }, (_, index) => `class-${index}`)
      : ['lesion']);
  const normalisation = ultralytics
    ? { mean: [0, 0, 0], std: [1, 1, 1] }
    : task === 'detection'
      ? { mean: [0, 0, 0], std: [1, 1, 1] }
      : input.name === 'pixel_values'
        ? halves
        : imagenet;
  const id = typeof given?.id === 'string' ? given.id : basename(modelPath).replace(/\.onnx$/, '');
  return {
    id,
    version: typeof given?.version === 'string' ? given.version : '0.1.0',
    task,
    description: ultralytics
      ? `Ultralytics ${ultralytics.version} ${ultralytics.task} export`
      : 'Brought-in model',
    // The card's own labels when they fit the model's output.
    labels:
      Array.isArray(given?.labels) && task === 'classification' && given.labels.length === outputSize
        ? given.labels
        : labels,
    input: {
      name: input.name,
      scale: 255,
      ...normalisation,
      resize: ultralytics || task === 'detection' ? 'letterbox' : 'stretch',
    },
    output: task === 'classification' ? { name: output.name, activation: 'logits' } : { name: output.name },
    ...(task === 'detection' && { defaults: { confidence: 0.25, iou: 0.45 } }),
    icd10cm: given?.icd10cm ?? {},
    intendedUse: '',
  };
}

function guessTask(
  output: OnnxTensorInfo,
  ultralyticsTask: string | undefined,
): 'classification' | 'detection' {
  if (ultralyticsTask === 'classify') return 'classification';
  if (ultralyticsTask) return 'detection';
  return output.shape.length === 2 ? 'classification' : 'detection';
}

interface Observation {
  lines: string[];
  kind?: 'logits' | 'probabilities';
  scores?: number;
  detections?: number;
}

async function runProbe(runner: ModelRunner, card: ModelCard, image: DecodedImage): Promise<Observation> {
  const tensor = await prepareModelInput(image, card.input);
  let result: { data: Float32Array; dims: readonly number[] };
  try {
    result = await runner.run(card.input.name, tensor.data, tensor.dims, card.output.name);
  } catch (error) {
    return { lines: [`the probe run failed: ${(error as Error).message}`] };
  }
  const lines = [`input [${tensor.dims.join(', ')}] -> ${card.output.name} [${result.dims.join(', ')}]`];
  if (card.task === 'classification') {
    const values = Array.from(result.data);
    const inUnit = values.every((value) => value >= 0 && value <= 1);
    const sum = values.reduce((total, value) => total + value, 0);
    const kind = inUnit && Math.abs(sum - 1) < 1e-3 ? 'probabilities' : 'logits';
    const probabilities = kind === 'logits' ? softmax(values) : values;
    const top = probabilities.indexOf(Math.max(...probabilities));
    lines.push(
      `${values.length} scores, ${kind === 'probabilities' ? `already probabilities (sum ${sum.toFixed(4)})` : `logits (range ${Math.min(...values).toFixed(2)} .. ${Math.max(...values).toFixed(2)}, sum ${sum.toFixed(2)})`}; top: ${card.labels[top] ?? `class ${top}`} ${(100 * (probabilities[top] ?? 0)).toFixed(1)}%`,
    );
    return { lines, kind, scores: values.length };
  }
  try {
    const detections = decodeDetectorOutput(result.data, result.dims, {
      card,
      letterbox: tensor.letterbox,
      image,
      confidence: card.defaults.confidence,
      iou: card.defaults.iou,
    });
    const best = detections[0];
    lines.push(
      `${detections.length} detection(s) at confidence ${card.defaults.confidence}${best ? `; best ${best.label} ${(best.confidence * 100).toFixed(1)}% at x=${best.box.x.toFixed(0)} y=${best.box.y.toFixed(0)} w=${best.box.width.toFixed(0)} h=${best.box.height.toFixed(0)}` : ''}`,
    );
    return { lines, detections: detections.length };
  } catch (error) {
    lines.push(`the output does not decode as ${card.output.format}: ${(error as Error).message}`);
    return { lines };
  }
}

/** The given card against what the model needs, one plain sentence per mistake. */
function compareCard(
  card: ModelCard,
  reference: ModelCard,
  model: OnnxModelInfo,
  observed: Observation,
  isUltralytics: boolean,
): string[] {
  const problems: string[] = [];
  const namedInput = model.inputs.find((tensor) => tensor.name === card.input.name);
  const modelInput = namedInput ?? model.inputs[0];
  if (card.task !== reference.task) {
    problems.push(
      `the card says task ${card.task}, but the model's output [${model.outputs[0]?.shape.join(', ')}] is a ${reference.task} output`,
    );
    return problems;
  }
  if (!namedInput) {
    problems.push(
      `the card names input "${card.input.name}", the model's input is "${model.inputs.map((tensor) => tensor.name).join('", "')}"`,
    );
  }
  if (!model.outputs.some((tensor) => tensor.name === card.output.name)) {
    problems.push(
      `the card names output "${card.output.name}", the model's outputs are "${model.outputs.map((tensor) => tensor.name).join('", "')}"`,
    );
  }
  if (card.input.layout !== reference.input.layout) {
    const shape = modelInput?.shape.join(', ');
    problems.push(
      `layout: the card says ${card.input.layout}, but the input [${shape}] has its 3 colour channels ${reference.input.layout === 'NCHW' ? 'second (NCHW: batch, channels, height, width)' : 'last (NHWC: batch, height, width, channels)'}`,
    );
  }
  if (card.input.width !== reference.input.width || card.input.height !== reference.input.height) {
    const fixed = modelInput?.shape.slice(1).every((size) => typeof size === 'number');
    const text = `input size: the card says ${card.input.width} x ${card.input.height}, the model ${fixed ? 'takes' : 'was exported at'} ${reference.input.width} x ${reference.input.height}`;
    if (fixed) problems.push(text);
  }
  if (card.task === 'classification' && reference.task === 'classification') {
    if (observed.scores !== undefined && observed.scores !== card.labels.length) {
      problems.push(
        `label count: the card lists ${card.labels.length} labels, the model outputs ${observed.scores} scores`,
      );
    }
    if (observed.kind === 'logits' && card.output.activation === 'probabilities') {
      problems.push(
        'softmax: the card says the model outputs probabilities, but its scores are logits (not in 0..1, not summing to 1): set output.activation to "logits" so they are turned into probabilities',
      );
    }
    if (observed.kind === 'probabilities' && card.output.activation === 'logits') {
      problems.push(
        'softmax: the card says logits, but the model already outputs probabilities (a softmax inside the graph); a second softmax would flatten them towards uniform: set output.activation to "probabilities"',
      );
    }
    problems.push(...normalisationProblems(card, reference, model, isUltralytics));
  }
  if (card.task === 'detection' && reference.task === 'detection') {
    if (card.labels.length !== reference.labels.length && isUltralytics) {
      problems.push(
        `label count: the card lists ${card.labels.length} labels, the Ultralytics export has ${reference.labels.length} classes (${reference.labels.join(', ')})`,
      );
    } else if (card.output.format === 'yolov8') {
      const rows = model.outputs.find((tensor) => tensor.name === card.output.name)?.shape[1];
      if (typeof rows === 'number' && rows !== 4 + card.labels.length) {
        problems.push(
          `label count: a YOLO head with ${rows} rows has ${rows - 4} classes, the card lists ${card.labels.length} labels`,
        );
      }
    }
    if (card.output.format !== reference.output.format) {
      problems.push(
        `output format: the card says ${card.output.format}, the model's output [${model.outputs[0]?.shape.join(', ')}] is ${describeFormat(reference.output.format)}`,
      );
    }
    if (isUltralytics && card.input.resize !== 'letterbox') {
      problems.push(
        'resize: Ultralytics models are trained on letterboxed images (aspect ratio kept, grey 114 padding): set input.resize to "letterbox"',
      );
    }
    problems.push(...normalisationProblems(card, reference, model, isUltralytics));
  }
  return problems;
}

function normalisationProblems(
  card: ModelCard,
  reference: ModelCard,
  model: OnnxModelInfo,
  isUltralytics: boolean,
): string[] {
  const problems: string[] = [];
  const { scale, mean, std } = card.input;
  if (scale !== 255 && scale !== 1)
    problems.push(
      `normalisation: input.scale ${scale} is unusual: 255 maps pixels to 0..1 (almost every exporter), 1 keeps 0..255`,
    );
  if (scale === 1 && (isUltralytics || std.every((value) => value < 2))) {
    problems.push(
      'normalisation: input.scale 1 feeds raw 0..255 pixels, but the mean and std are for 0..1 pixels: set input.scale to 255',
    );
  }
  if (isUltralytics && (mean.some((value) => value !== 0) || std.some((value) => value !== 1))) {
    problems.push(
      'normalisation: Ultralytics models take RGB scaled to 0..1 with no mean or std: remove input.mean and input.std',
    );
  }
  const same = (a: readonly number[], b: readonly number[]) =>
    a.every((value, index) => Math.abs(value - (b[index] ?? Number.NaN)) < 1e-6);
  if (
    !isUltralytics &&
    reference.task === 'classification' &&
    model.inputs[0]?.name !== 'pixel_values' &&
    same(mean, [0, 0, 0]) &&
    same(std, [1, 1, 1])
  ) {
    problems.push(
      'normalisation: the card gives no mean or std, but torchvision and timm classifiers expect ImageNet normalisation (mean 0.485 0.456 0.406, std 0.229 0.224 0.225): unless the model was trained on plain 0..1 pixels, add them',
    );
  }
  if (
    model.inputs[0]?.name === 'pixel_values' &&
    same(mean, imagenet.mean) === false &&
    same(mean, halves.mean) === false
  ) {
    problems.push(
      `normalisation: a Hugging Face image model usually takes mean/std 0.5 or ImageNet values (see its preprocessor_config.json); the card gives mean ${mean.join(' ')}`,
    );
  }
  return problems;
}

function describeFormat(format: string): string {
  if (format === 'yolov8') return 'a raw YOLO head [1, 4 + classes, anchors] (format "yolov8")';
  if (format === 'yolo-end2end') return 'end-to-end boxes [1, N, 6] (format "yolo-end2end")';
  return 'a mask [1, 1, H, W] (format "mask")';
}
