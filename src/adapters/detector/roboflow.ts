/**
 * Detector on Roboflow's detect API, hosted (`detect.roboflow.com`) or a self-hosted inference
 * server: `POST {apiUrl}/{project}/{version}?api_key=..&confidence=..&overlap=..` with the base64
 * of a JPEG as a form-urlencoded body. Images are sent at the card's input size (at most 1280 px
 * on their long side, what Roboflow recommends; larger ones only cost upload time), or the table's
 * `maxSide`, and the centre boxes that come back are
 * mapped to top-left boxes in original-image pixels.
 */

import type { DecodedImage, Detection } from '../../domain.js';
import { ConfigurationError, invalidModelOutput } from '../../errors.js';
import { encodeImagePayload } from '../../imaging/remote-image-payload.js';
import type { DetectionCard } from '../../models/model-card.js';
import type { RoboflowModelConfig } from '../../models/model-entry.js';
import type { CallOptions, Detector } from '../../ports.js';
import { errorFromHttpStatus, errorFromNetworkFailure } from '../../resilience/http-errors.js';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../../resilience/retry.js';
import {
  detectionsFromCentreBoxes,
  type RoboflowResponse,
  roboflowResponseSchema,
} from '../shared/roboflow/roboflow-response.js';

export interface RoboflowDetectorSettings {
  apiUrl: string;
  /** Sent as `api_key`; left out of the request when empty (a self-hosted server without keys). */
  apiKey: string;
  project: string;
  version: string | number;
  card: DetectionCard;
  /** 0..1, sent as a percentage; defaults to the card's threshold. */
  confidence?: number;
  /** NMS overlap 0..1, sent as a percentage; defaults to the card's IoU. */
  overlap?: number;
  fetch?: typeof fetch;
  policy?: RetryPolicy;
  /** Long side of the sent image, in place of the card's input size (itself capped at 1280). */
  maxSide?: number;
}

const roboflowMaxSide = 1280;

export const defaultRoboflowApiUrl = 'https://detect.roboflow.com';

/**
 * Where and with which key to call Roboflow: the table's `apiUrl`, else the configured one
 * (`ROBOFLOW_API_URL`), else the hosted API; the key from the configuration (`ROBOFLOW_API_KEY`:
 * secrets stay out of the routing table). The hosted API refuses every call without a key, so
 * that is caught at start-up; a self-hosted server may run without one.
 */
export function roboflowConnection(
  entry: Pick<RoboflowModelConfig, 'apiUrl'>,
  configured: { apiUrl?: string; apiKey?: string },
): { apiUrl: string; apiKey: string } {
  const apiUrl = entry.apiUrl ?? (configured.apiUrl || defaultRoboflowApiUrl);
  if (!URL.canParse(apiUrl)) throw new ConfigurationError(`ROBOFLOW_API_URL is not a URL: ${apiUrl}`);
  const apiKey = configured.apiKey ?? '';
  if (apiKey === '' && new URL(apiUrl).hostname.endsWith('roboflow.com')) {
    throw new ConfigurationError(`ROBOFLOW_API_KEY is not set: the Roboflow API at ${apiUrl} needs one`);
  }
  return { apiUrl, apiKey };
}

/**
 * @example
 * const detector = createRoboflowDetector({ apiUrl: 'https://detect.roboflow.com', apiKey, project: 'skin-lesions', version: 3, card });
 * const detections = await detector.detect(image, { signal });
 */
export function createRoboflowDetector(settings: RoboflowDetectorSettings): Detector {
  const { card, apiKey } = settings;
  const fetchImplementation = settings.fetch ?? fetch;
  const policy = settings.policy ?? defaultRetryPolicy;
  const confidence = settings.confidence ?? card.defaults.confidence;
  const overlap = settings.overlap ?? card.defaults.iou;
  // The operation names the call in errors and logs; the URL is never logged (it carries the key).
  const operation = `Roboflow detect ${settings.project}/${settings.version}`;
  const url = detectUrl(settings, confidence, overlap);
  const scrub = (text: string) => (apiKey ? text.split(apiKey).join('***') : text);

  return {
    name: 'roboflow',
    card,
    async detect(image: DecodedImage, options?: CallOptions): Promise<Detection[]> {
      options?.signal?.throwIfAborted();
      const payload = await encodeImagePayload(
        image,
        settings.maxSide === undefined
          ? { modelInput: card.input, maxSide: roboflowMaxSide }
          : { maxSide: settings.maxSide },
      );
      const body = payload.jpeg.toString('base64');
      const answer = await withRetry(
        async (attemptSignal) => {
          const response = await fetchImplementation(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
            body,
            signal: attemptSignal,
          });
          const text = await response.text();
          if (!response.ok) {
            throw errorFromHttpStatus(
              operation,
              response.status,
              scrub(text),
              response.headers.get('retry-after'),
            );
          }
          return text;
        },
        {
          policy,
          signal: options?.signal,
          operation,
          toError: (error) => errorFromNetworkFailure(operation, error),
        },
      );
      const parsed = parseResponse(answer, operation);
      try {
        return detectionsFromCentreBoxes(parsed.predictions, {
          scaleX: image.width / parsed.image.width,
          scaleY: image.height / parsed.image.height,
          imageWidth: image.width,
          imageHeight: image.height,
          labels: card.labels,
          confidence,
        });
      } catch (error) {
        throw invalidModelOutput(operation, (error as Error).message, error);
      }
    },
  };
}

function detectUrl(settings: RoboflowDetectorSettings, confidence: number, overlap: number): URL {
  const base = settings.apiUrl.replace(/\/+$/, '');
  const url = new URL(
    `${base}/${encodeURIComponent(settings.project)}/${encodeURIComponent(String(settings.version))}`,
  );
  if (settings.apiKey) url.searchParams.set('api_key', settings.apiKey);
  // Roboflow reads both as percentages.
  url.searchParams.set('confidence', String(Math.round(confidence * 100)));
  url.searchParams.set('overlap', String(Math.round(overlap * 100)));
  return url;
}

function parseResponse(text: string, operation: string): RoboflowResponse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidModelOutput(operation, `the body is not JSON (${text.length} characters)`, error);
  }
  const parsed = roboflowResponseSchema.safeParse(json);
  if (!parsed.success) throw invalidModelOutput(operation, 'not a Roboflow detection response', parsed.error);
  return parsed.data;
}
