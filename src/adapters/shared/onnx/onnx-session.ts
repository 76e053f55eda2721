/**
 * Loads onnxruntime-node lazily (it is large and only needed when an ONNX model is configured)
 * and runs one model: named input tensor in, named output tensor out, errors typed.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { ConfigurationError, DependencyError, ServiceErrorCode } from '../../../errors.js';
import type { ModelCard } from '../../../models/model-card.js';

type OnnxRuntime = typeof import('onnxruntime-node');
let runtime: Promise<OnnxRuntime> | undefined;

function loadRuntime(): Promise<OnnxRuntime> {
  runtime ??= import('onnxruntime-node');
  return runtime;
}

export interface OnnxOutput {
  data: Float32Array;
  dims: readonly number[];
}

export interface OnnxModel {
  run(input: Float32Array, dims: readonly number[]): Promise<OnnxOutput>;
  release(): Promise<void>;
}

export async function openOnnxModel(path: string, card: ModelCard): Promise<OnnxModel> {
  const ort = await loadRuntime();
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, { graphOptimizationLevel: 'all' });
  } catch (error) {
    throw new ConfigurationError(`cannot load ONNX model ${path}: ${(error as Error).message}`, error);
  }
  for (const [kind, expected, actual] of [
    ['input', card.input.name, session.inputNames],
    ['output', card.output.name, session.outputNames],
  ] as const) {
    if (!actual.includes(expected)) {
      throw new ConfigurationError(
        `model card ${card.id} names ${kind} "${expected}" but ${path} has ${actual.join(', ')}`,
      );
    }
  }

  const problem = inputShapeProblem(session, card);
  if (problem) throw new ConfigurationError(`model card ${card.id} does not fit ${path}: ${problem}`);

  return {
    async run(input, dims) {
      try {
        const feeds = { [card.input.name]: new ort.Tensor('float32', input, dims) };
        const results = await session.run(feeds, [card.output.name]);
        const output = results[card.output.name];
        if (output?.type !== 'float32') {
          throw new Error(`output ${card.output.name} is missing or not float32`);
        }
        return { data: output.data as Float32Array, dims: output.dims };
      } catch (error) {
        // A local model fails the same way every time for the same input: not retriable.
        throw new DependencyError(`ONNX model ${card.id} failed: ${(error as Error).message}`, {
          code: ServiceErrorCode.modelError,
          retriable: false,
          cause: error,
        });
      }
    },
    release: () => session.release(),
  };
}

/** The card's input tensor against the one the model declares (a symbolic size fits anything). */
function inputShapeProblem(session: InferenceSession, card: ModelCard): string | undefined {
  const declared = session.inputMetadata.find((input) => input.name === card.input.name);
  if (!declared?.isTensor) return undefined;
  if (declared.type !== 'float32') return `input "${declared.name}" takes ${declared.type}, not float32`;
  const { width, height, layout } = card.input;
  const expected = layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3];
  const shape = declared.shape;
  if (shape.length !== 4)
    return `input "${declared.name}" has shape [${shape.join(', ')}], not an image batch`;
  const mismatch = shape.some((size, axis) => typeof size === 'number' && size !== expected[axis]);
  return mismatch
    ? `input "${declared.name}" has shape [${shape.join(', ')}]; the card (${layout}, ${width} x ${height}) makes [${expected.join(', ')}]`
    : undefined;
}
