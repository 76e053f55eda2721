/**
 * The SageMaker side of the model server. Two paths answer the same way:
 * - the container contract (`POST /invocations`, model from `X-Amzn-SageMaker-Target-Model` or
 *   the default), so the server can be deployed as a SageMaker endpoint's container;
 * - the runtime API (`POST /endpoints/{name}/invocations`, the name selects the model), so the
 *   real AWS SDK pointed at this server (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`) runs end to end.
 * Classifiers answer `{ predictions: [{ label, score }] }`, detectors Roboflow-style centre boxes;
 * errors carry SageMaker's `x-amzn-errortype` and JSON body, which the SDK turns into its
 * ValidationError / ModelError classes.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { roboflowPrediction } from '../adapters/shared/roboflow/roboflow-response.js';
import { DdxError } from '../errors.js';
import type { Logger } from '../ports.js';
import { RequestProblem, readBody } from './read-body.js';
import { replyJson } from './reply-json.js';
import { decodeRequestImage, imageBytesFromBody, maxRequestBytes } from './request-image.js';
import { type ModelAnswer, modelIdFromTargetModel, type ServedModels } from './served-models.js';

export interface SageMakerInvocation {
  /** The endpoint name of a runtime-API call; undefined on the container's `/invocations`. */
  endpointName?: string;
  defaultModel?: string;
}

export async function handleSageMakerInvocation(
  request: IncomingMessage,
  response: ServerResponse,
  models: ServedModels,
  invocation: SageMakerInvocation,
  logger: Logger,
): Promise<void> {
  let modelId: string | undefined;
  try {
    modelId = chooseModel(request, models, invocation);
    const body = await readBody(request, maxRequestBytes);
    const image = await decodeRequestImage(imageBytesFromBody(body, request.headers['content-type']));
    const answer = await models.run(modelId, image);
    replyJson(response, 200, sageMakerBody(answer, image), {
      'x-amzn-invoked-production-variant': 'AllTraffic',
    });
  } catch (error) {
    replySageMakerError(response, error, modelId, logger);
  }
}

function chooseModel(
  request: IncomingMessage,
  models: ServedModels,
  invocation: SageMakerInvocation,
): string {
  const header = request.headers['x-amzn-sagemaker-target-model'];
  const targetModel =
    typeof header === 'string' && header !== '' ? modelIdFromTargetModel(header) : undefined;
  const id = targetModel ?? invocation.endpointName ?? invocation.defaultModel;
  if (id === undefined) {
    throw new RequestProblem(
      400,
      'no model chosen: send X-Amzn-SageMaker-Target-Model or start with a default model',
    );
  }
  if (!models.has(id))
    throw new RequestProblem(404, `model ${id} is not served here (serving ${models.names.join(', ')})`);
  return id;
}

function sageMakerBody(answer: ModelAnswer, image: { width: number; height: number }): unknown {
  if (answer.task === 'classification') {
    return { predictions: answer.labels.map(({ label, probability }) => ({ label, score: probability })) };
  }
  return {
    image: { width: image.width, height: image.height },
    predictions: answer.detections.map((detection) =>
      roboflowPrediction(detection, answer.labels.indexOf(detection.label), randomUUID()),
    ),
  };
}

/**
 * Request problems are ValidationErrors with their own status (400, 404, 413, 415); a model that
 * failed is a ModelError 424 naming the container's status, as SageMaker reports a failing
 * container; anything else is an InternalFailure whose details stay in the log.
 */
function replySageMakerError(
  response: ServerResponse,
  error: unknown,
  modelId: string | undefined,
  logger: Logger,
) {
  const requestId = randomUUID();
  const headers = (type: string) => ({ 'x-amzn-errortype': type, 'x-amzn-requestid': requestId });
  if (error instanceof RequestProblem) {
    replyJson(response, error.status, { message: error.message }, headers('ValidationError'));
    return;
  }
  if (error instanceof DdxError && (error.code === 'MODEL_ERROR' || error.code === 'INVALID_MODEL_OUTPUT')) {
    logger.warn('model failed', { model: modelId, code: error.code, error: error.message, requestId });
    const originalMessage = `model ${modelId ?? ''} failed (${error.code})`;
    replyJson(
      response,
      424,
      {
        message: `Received server error (500) from model with message "${originalMessage}".`,
        OriginalStatusCode: 500,
        OriginalMessage: originalMessage,
      },
      headers('ModelError'),
    );
    return;
  }
  logger.error('model server request failed', {
    model: modelId,
    error: error instanceof Error ? error.message : String(error),
    requestId,
  });
  replyJson(response, 500, { message: 'An internal failure occurred.' }, headers('InternalFailure'));
}
