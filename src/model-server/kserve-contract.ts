/**
 * The Open Inference Protocol v2 side of the model server (what KServe and Triton serve), so the
 * KServe adapters run end to end against the same ONNX graphs the pipeline runs locally:
 *
 * ```
 * GET  /v2                                             server metadata (lists binary_tensor_data)
 * GET  /v2/health/live, /v2/health/ready               200 when live / when every ONNX model opens
 * GET  /v2/models/{name}[/versions/{v}]                model metadata (tensor names, types, shapes)
 * GET  /v2/models/{name}[/versions/{v}]/ready          200 when that model opens
 * POST /v2/models/{name}[/versions/{v}]/infer          FP32 tensor in (JSON or binary), tensor out
 * ```
 * Errors are `{ "error": "..." }`: 400 for a request that does not fit the model, 404 for an
 * unknown model or version, 500 when the graph fails.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  decodeTensors,
  elementCount,
  float32Bytes,
  inferenceHeaderLengthHeader,
  inferRequestSchema,
  splitBody,
} from '../adapters/shared/kserve/v2-tensors.js';
import type { ModelCard } from '../models/model-card.js';
import type { Logger } from '../ports.js';
import { RequestProblem, readBody } from './read-body.js';
import { replyJson } from './reply-json.js';
import type { ServedModels } from './served-models.js';

/** A 1 x 3 x 1280 x 1280 FP32 tensor as JSON text fits with room to spare. */
const maxInferBytes = 96 * 1024 * 1024;

export async function handleV2Request(
  request: IncomingMessage,
  response: ServerResponse,
  segments: readonly string[],
  models: ServedModels,
  logger: Logger,
): Promise<void> {
  const method = request.method ?? 'GET';
  try {
    const [, second, third, fourth, fifth, sixth, ...rest] = segments;
    if (second === undefined) return replyJson(response, 200, serverMetadata(models));
    if (second === 'health' && (third === 'live' || third === 'ready') && fourth === undefined) {
      // Ready when every tensor model opens; an in-process method (the lesion outline) has none.
      if (third === 'ready') {
        const tensorModels = models.ids.filter((id) => models.servesTensors(id));
        await Promise.all(tensorModels.map((id) => openForTensors(models, id)));
      }
      response.writeHead(200, { 'content-length': '0' }).end();
      return;
    }
    if (second !== 'models' || third === undefined)
      throw new RequestProblem(404, `no route for ${method} /${segments.join('/')}`);
    // /v2/models/{name}[/versions/{version}][/ready | /infer]
    const versioned = fourth === 'versions';
    const version = versioned ? fifth : undefined;
    const action = versioned ? sixth : fourth;
    const extra = versioned ? rest.length > 0 || version === undefined : fifth !== undefined;
    if (extra) throw new RequestProblem(404, `no route for ${method} /${segments.join('/')}`);
    const card = modelCard(models, third, version);
    if (action === undefined) return replyJson(response, 200, modelMetadata(third, card));
    if (action === 'ready') {
      await openForTensors(models, third);
      response.writeHead(200, { 'content-length': '0' }).end();
      return;
    }
    if (action === 'infer') {
      if (method !== 'POST') throw new RequestProblem(405, 'use POST');
      return await infer(request, response, third, card, models);
    }
    throw new RequestProblem(404, `no route for ${method} /${segments.join('/')}`);
  } catch (error) {
    if (error instanceof RequestProblem) return replyJson(response, error.status, { error: error.message });
    logger.error('v2 inference failed', { error: error instanceof Error ? error.message : String(error) });
    replyJson(response, 500, { error: 'inference failed' });
  }
}

function serverMetadata(models: ServedModels) {
  return { name: 'ddx-serve-models', version: '2', extensions: ['binary_tensor_data'], models: models.ids };
}

function modelCard(models: ServedModels, name: string, version: string | undefined): ModelCard {
  const card = models.cardOf(name);
  if (!card)
    throw new RequestProblem(404, `model ${name} is not served here (serving ${models.ids.join(', ')})`);
  if (version !== undefined && version !== card.version) {
    throw new RequestProblem(404, `model ${name} has no version ${version} (serving ${card.version})`);
  }
  return card;
}

function inputShape(card: ModelCard): number[] {
  const { width, height, layout } = card.input;
  return layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3];
}

function modelMetadata(name: string, card: ModelCard) {
  return {
    name,
    versions: [card.version],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: card.input.name, datatype: 'FP32', shape: inputShape(card) }],
    outputs: [
      {
        name: card.output.name,
        datatype: 'FP32',
        shape: card.task === 'classification' ? [1, card.labels.length] : [-1, -1, -1],
      },
    ],
  };
}

async function openForTensors(models: ServedModels, id: string): Promise<void> {
  // One run on a blank tensor opens the session and warms it: a model that cannot open is not ready.
  const card = models.cardOf(id);
  if (!card) return;
  const shape = inputShape(card);
  const run = models.runTensor(id, new Float32Array(elementCount(shape)), shape);
  if (!run)
    throw new RequestProblem(400, `model ${id} is not a local ONNX model: it cannot be served over v2`);
  await run;
}

async function infer(
  request: IncomingMessage,
  response: ServerResponse,
  name: string,
  card: ModelCard,
  models: ServedModels,
): Promise<void> {
  const body = await readBody(request, maxInferBytes);
  const header = request.headers[inferenceHeaderLengthHeader];
  let parsed: ReturnType<typeof inferRequestSchema.parse>;
  let input: ReturnType<typeof decodeTensors>[number] | undefined;
  try {
    const { json, binary } = splitBody(body, typeof header === 'string' ? header : undefined);
    const result = inferRequestSchema.safeParse(json);
    if (!result.success)
      throw new Error(
        'the body is not a v2 inference request ({ inputs: [{ name, shape, datatype, data }] })',
      );
    parsed = result.data;
    input = decodeTensors(parsed.inputs, binary).find((tensor) => tensor.name === card.input.name);
  } catch (error) {
    throw new RequestProblem(400, (error as Error).message);
  }
  if (!input) throw new RequestProblem(400, `model ${name} takes input "${card.input.name}"`);
  if (input.datatype !== 'FP32')
    throw new RequestProblem(400, `input ${input.name} must be FP32, got ${input.datatype}`);
  const expected = inputShape(card);
  if (input.shape.join() !== expected.join()) {
    throw new RequestProblem(
      400,
      `input ${input.name} must have shape [${expected.join(', ')}], got [${input.shape.join(', ')}]`,
    );
  }
  const requested = parsed.outputs ?? [{ name: card.output.name }];
  const unknown = requested.find((output) => output.name !== card.output.name);
  if (unknown)
    throw new RequestProblem(
      400,
      `model ${name} has no output "${unknown.name}" (it has ${card.output.name})`,
    );
  const run = models.runTensor(name, input.data, input.shape);
  if (!run)
    throw new RequestProblem(400, `model ${name} is not a local ONNX model: it cannot be served over v2`);
  const output = await run;

  const asBinary = requested[0]?.parameters?.binary_data ?? parsed.parameters?.binary_data_output ?? false;
  const tensor = { name: card.output.name, shape: [...output.dims], datatype: 'FP32' };
  const answer = {
    model_name: name,
    model_version: card.version,
    ...(parsed.id !== undefined && { id: parsed.id }),
  };
  if (asBinary !== true) {
    replyJson(response, 200, { ...answer, outputs: [{ ...tensor, data: Array.from(output.data) }] });
    return;
  }
  const bytes = float32Bytes(output.data);
  const json = Buffer.from(
    JSON.stringify({ ...answer, outputs: [{ ...tensor, parameters: { binary_data_size: bytes.length } }] }),
  );
  response.writeHead(200, {
    'content-type': 'application/octet-stream',
    [inferenceHeaderLengthHeader]: String(json.length),
    'content-length': String(json.length + bytes.length),
  });
  response.end(Buffer.concat([json, bytes]));
}
