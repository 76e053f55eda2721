/**
 * Fills in what a model card leaves out from what the ONNX file says about itself, before the card
 * is validated: the input and output tensor names, the input size and layout from the graph's
 * shapes (or Ultralytics' `imgsz` when they are dynamic), and for an Ultralytics export its class
 * names, letterbox preprocessing and output format. What the card states always wins; a card
 * never needs to repeat what the model already carries. `filled` lists what came from the model,
 * so `ddx models check` can say so.
 */
import { z } from 'zod';
import { ConfigurationError } from '../errors.js';
import { readValidatedFile, validateFileContent } from '../read-validated-file.js';
import { type ModelCard, modelCardSchema } from './model-card.js';
import { type OnnxModelInfo, type OnnxTensorInfo, readOnnxModelInfo } from './onnx-metadata.js';
import { readUltralyticsMetadata, type UltralyticsMetadata } from './ultralytics-metadata.js';

type Json = Record<string, unknown>;

export interface CompletedCard {
  card: unknown;
  /** Card fields taken from the model, e.g. `labels (Ultralytics names)`. */
  filled: string[];
  ultralytics: UltralyticsMetadata | null;
}

export function completeCardFromModel(raw: unknown, model: OnnxModelInfo): CompletedCard {
  const ultralytics = readUltralyticsMetadata(model.metadata);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { card: raw, filled: [], ultralytics };
  const card: Json = { ...(raw as Json) };
  const input: Json = { ...asObject(card.input) };
  const output: Json = { ...asObject(card.output) };
  const filled: string[] = [];
  const fill = (target: Json, key: string, value: unknown, description: string) => {
    if (target[key] !== undefined || value === undefined) return;
    target[key] = value;
    filled.push(description);
  };

  const modelInput = chooseTensor(model.inputs, input.name);
  if (modelInput) {
    fill(input, 'name', modelInput.name, `input.name (${modelInput.name}, the model's input)`);
    const layout = layoutOf(modelInput.shape);
    if (layout) {
      fill(input, 'layout', layout.layout, `input.layout (${layout.layout}, from the input shape)`);
      const size = layout.size ?? ultralytics?.imgsz;
      const source = layout.size ? 'the input shape' : 'Ultralytics imgsz';
      if (size) {
        fill(input, 'width', size.width, `input.width (${size.width}, from ${source})`);
        fill(input, 'height', size.height, `input.height (${size.height}, from ${source})`);
      }
    }
  }
  if (ultralytics) {
    // Ultralytics preprocessing: letterbox padded with 114 grey, RGB scaled to 0..1, no mean/std.
    fill(input, 'resize', 'letterbox', 'input.resize (letterbox, as Ultralytics prepares images)');
    if (card.labels === undefined) {
      card.labels = ultralytics.names;
      filled.push(`labels (${ultralytics.names.length} Ultralytics names)`);
    }
  }
  const modelOutput = chooseTensor(model.outputs, output.name);
  if (modelOutput)
    fill(output, 'name', modelOutput.name, `output.name (${modelOutput.name}, the model's first output)`);
  if (card.task === 'detection' && modelOutput) {
    const format = outputFormat(modelOutput, ultralytics);
    if (format) fill(output, 'format', format, `output.format (${format}, from the output shape)`);
  }
  card.input = input;
  card.output = output;
  return { card, filled, ultralytics };
}

/** Reads an ONNX model's card, completed from the model file, and validates it. */
export async function loadOnnxModelCard(cardPath: string, modelPath: string): Promise<ModelCard> {
  return (await loadOnnxModelCardWithFacts(cardPath, modelPath)).card;
}

export async function loadOnnxModelCardWithFacts(
  cardPath: string,
  modelPath: string,
  options: { alwaysReadModel?: boolean } = {},
): Promise<{ card: ModelCard; filled: string[]; model: OnnxModelInfo | null }> {
  const raw = await readValidatedFile(cardPath, modelCardFileSchema, 'model card');
  const complete = modelCardSchema.safeParse(raw);
  // A complete card needs nothing from the file (which ONNX Runtime opens and checks on first use).
  if (complete.success && !options.alwaysReadModel) return { card: complete.data, filled: [], model: null };
  let model: OnnxModelInfo;
  try {
    model = await readOnnxModelInfo(modelPath);
  } catch (error) {
    throw new ConfigurationError(`cannot read ONNX model ${modelPath}: ${(error as Error).message}`, error);
  }
  let completed: CompletedCard;
  try {
    completed = completeCardFromModel(raw, model);
  } catch (error) {
    throw new ConfigurationError(`ONNX model ${modelPath}: ${(error as Error).message}`, error);
  }
  const card = validateFileContent(completed.card, modelCardSchema, 'model card', cardPath);
  return { card, filled: completed.filled, model };
}

/** The card file before completion: any JSON object (the full schema judges the completed card). */
const modelCardFileSchema = z.record(z.string(), z.unknown());

function asObject(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

/** The tensor the card names, else the model's only (or first) one. */
function chooseTensor(tensors: readonly OnnxTensorInfo[], named: unknown): OnnxTensorInfo | undefined {
  if (typeof named === 'string') return tensors.find((tensor) => tensor.name === named);
  return tensors[0];
}

function layoutOf(
  shape: readonly (number | string)[],
): { layout: 'NCHW' | 'NHWC'; size: { width: number; height: number } | null } | null {
  if (shape.length !== 4) return null;
  const [, second, third, fourth] = shape;
  const fixed = (height: unknown, width: unknown) =>
    typeof height === 'number' && typeof width === 'number' && height > 0 && width > 0
      ? { height, width }
      : null;
  if (second === 3) return { layout: 'NCHW', size: fixed(third, fourth) };
  if (fourth === 3) return { layout: 'NHWC', size: fixed(second, third) };
  return null;
}

function outputFormat(
  output: OnnxTensorInfo,
  ultralytics: UltralyticsMetadata | null,
): 'yolov8' | 'yolo-end2end' | 'mask' | undefined {
  if (ultralytics) return ultralytics.boxesOut ? 'yolo-end2end' : 'yolov8';
  const { shape } = output;
  if (shape.length === 4 && shape[1] === 1) return 'mask';
  if (shape.length === 3 && shape[2] === 6) return 'yolo-end2end';
  if (shape.length === 3) return 'yolov8';
  return undefined;
}
