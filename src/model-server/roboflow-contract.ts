/**
 * The Roboflow side of the model server: `POST /{project}/{version}?api_key=..&confidence=..&overlap=..`
 * with the base64 of the image as a form-urlencoded body, answered in Roboflow's exact shape
 * (`{ time, image, predictions: [{ x, y, width, height, confidence, class, class_id, detection_id }] }`,
 * x and y the box centre). The project is the model id; any version is accepted.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { roboflowPrediction } from '../adapters/shared/roboflow/roboflow-response.js';
import { DdxError } from '../errors.js';
import { nonMaximumSuppression } from '../models/yolo-output.js';
import type { Logger } from '../ports.js';
import { RequestProblem, readBody } from './read-body.js';
import { replyJson } from './reply-json.js';
import { bytesFromBase64, decodeRequestImage, maxRequestBytes } from './request-image.js';
import type { ServedModels } from './served-models.js';

export interface RoboflowDetect {
  project: string;
  query: URLSearchParams;
  /** When set, requests must carry it as `api_key`. */
  apiKey?: string;
}

export async function handleRoboflowDetect(
  request: IncomingMessage,
  response: ServerResponse,
  models: ServedModels,
  detect: RoboflowDetect,
  logger: Logger,
): Promise<void> {
  const started = performance.now();
  try {
    if (detect.apiKey !== undefined && !sameSecret(detect.query.get('api_key') ?? '', detect.apiKey)) {
      throw new RequestProblem(401, 'Unauthorized api_key');
    }
    if (!models.has(detect.project)) throw new RequestProblem(404, `model ${detect.project} not found`);
    if (models.taskOf(detect.project) !== 'detection') {
      throw new RequestProblem(400, `model ${detect.project} is not an object detection model`);
    }
    const confidence = percentageParameter(detect.query, 'confidence');
    const overlap = percentageParameter(detect.query, 'overlap');
    const body = await readBody(request, maxRequestBytes);
    const image = await decodeRequestImage(bytesFromBase64(body.toString('latin1')));
    const answer = await models.run(detect.project, image);
    if (answer.task !== 'detection')
      throw new RequestProblem(400, `model ${detect.project} is not a detector`);
    // The served detector already applied its own thresholds: a request can only be stricter.
    let detections = answer.detections.filter((detection) => detection.confidence >= (confidence ?? 0));
    if (overlap !== undefined) detections = nonMaximumSuppression(detections, overlap);
    replyJson(response, 200, {
      time: (performance.now() - started) / 1000,
      image: { width: image.width, height: image.height },
      predictions: detections.map((detection) =>
        roboflowPrediction(detection, answer.labels.indexOf(detection.label), randomUUID()),
      ),
    });
  } catch (error) {
    if (error instanceof RequestProblem) {
      replyJson(response, error.status, { message: error.message });
      return;
    }
    const code = error instanceof DdxError ? error.code : 'INTERNAL_ERROR';
    logger.error('roboflow detect failed', {
      model: detect.project,
      code,
      error: error instanceof Error ? error.message : String(error),
    });
    replyJson(response, 500, { message: `inference failed (${code})` });
  }
}

/** Roboflow's rule: values above 1 are percentages. */
function percentageParameter(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new RequestProblem(400, `${name} must be a number from 0 to 100`);
  }
  return value > 1 ? value / 100 : value;
}

/** Compares digests, so neither the length nor the content of the key leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
