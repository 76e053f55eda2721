/**
 * Decoding of the Ultralytics YOLOv8/YOLO11 detection output `[1, 4 + classes, anchors]`: rows 0-3
 * are the box centre x, centre y, width and height in input pixels, the other rows per-class
 * scores. Threshold, per-class non-maximum suppression and the mapping from the letterboxed input
 * back to original-image pixels happen here, so an exported YOLO model drops in unchanged.
 */

import type { Box, Detection } from '../domain.js';
import type { Letterbox } from '../imaging/model-input.js';

export interface YoloDecodeOptions {
  labels: readonly string[];
  confidence: number;
  iou: number;
  letterbox: Letterbox;
  imageWidth: number;
  imageHeight: number;
  maxDetections?: number;
}

export function decodeYoloOutput(
  output: Float32Array,
  dims: readonly number[],
  options: YoloDecodeOptions,
): Detection[] {
  const [batch, rows, anchors] = dims;
  const classCount = options.labels.length;
  if (dims.length !== 3 || batch !== 1 || rows !== 4 + classCount || anchors === undefined) {
    throw new Error(`expected detector output [1, ${4 + classCount}, anchors], got [${dims.join(', ')}]`);
  }
  if (output.length !== rows * anchors) {
    throw new Error(
      `detector output holds ${output.length} values, its shape [${dims.join(', ')}] says ${rows * anchors}`,
    );
  }
  const at = (row: number, anchor: number): number => output[row * anchors + anchor] ?? 0;

  const candidates: Detection[] = [];
  for (let anchor = 0; anchor < anchors; anchor++) {
    let bestClass = 0;
    let bestScore = -Infinity;
    for (let classIndex = 0; classIndex < classCount; classIndex++) {
      const score = at(4 + classIndex, anchor);
      if (score > bestScore) {
        bestScore = score;
        bestClass = classIndex;
      }
    }
    if (bestScore < options.confidence) continue;
    const box = toOriginalPixels(at(0, anchor), at(1, anchor), at(2, anchor), at(3, anchor), options);
    if (box.width < 1 || box.height < 1) continue;
    candidates.push({ box, confidence: bestScore, label: options.labels[bestClass] ?? String(bestClass) });
  }
  return nonMaximumSuppression(candidates, options.iou).slice(0, options.maxDetections ?? 100);
}

/**
 * The end-to-end layout `[1, N, 6]`: rows of x1, y1, x2, y2 (input pixels), score, class index, as
 * an Ultralytics export with `nms=True` or an NMS-free head (YOLOv10, YOLO26) gives them. NMS has
 * already happened in the graph; rows padded with zeros fall under any threshold.
 */
export function decodeYoloEnd2EndOutput(
  output: Float32Array,
  dims: readonly number[],
  options: Omit<YoloDecodeOptions, 'iou'>,
): Detection[] {
  const [batch, rows, columns] = dims;
  if (dims.length !== 3 || batch !== 1 || columns !== 6 || rows === undefined) {
    throw new Error(`expected end-to-end detector output [1, N, 6], got [${dims.join(', ')}]`);
  }
  if (output.length !== rows * 6) {
    throw new Error(
      `detector output holds ${output.length} values, its shape [${dims.join(', ')}] says ${rows * 6}`,
    );
  }
  const detections: Detection[] = [];
  for (let row = 0; row < rows; row++) {
    const [x1 = 0, y1 = 0, x2 = 0, y2 = 0, score = 0, classIndex = 0] = output.subarray(row * 6, row * 6 + 6);
    if (!(score >= options.confidence)) continue;
    const label = options.labels[Math.round(classIndex)];
    if (label === undefined)
      throw new Error(`class index ${classIndex} is outside the card's ${options.labels.length} labels`);
    const box = toOriginalPixels((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, options);
    if (box.width < 1 || box.height < 1) continue;
    detections.push({ box, confidence: score, label });
  }
  return detections.sort((a, b) => b.confidence - a.confidence).slice(0, options.maxDetections ?? 100);
}

function toOriginalPixels(
  centreX: number,
  centreY: number,
  width: number,
  height: number,
  options: Omit<YoloDecodeOptions, 'iou'>,
): Box {
  const { scaleX, scaleY, padX, padY } = options.letterbox;
  const left = clamp((centreX - width / 2 - padX) / scaleX, 0, options.imageWidth);
  const top = clamp((centreY - height / 2 - padY) / scaleY, 0, options.imageHeight);
  const right = clamp((centreX + width / 2 - padX) / scaleX, 0, options.imageWidth);
  const bottom = clamp((centreY + height / 2 - padY) / scaleY, 0, options.imageHeight);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/** Greedy per-class NMS: keeps the most confident box and drops same-class boxes overlapping it. */
export function nonMaximumSuppression(detections: Detection[], iouThreshold: number): Detection[] {
  const sorted = [...detections].sort((a, b) => b.confidence - a.confidence);
  const kept: Detection[] = [];
  for (const candidate of sorted) {
    const overlaps = kept.some(
      (keptDetection) =>
        keptDetection.label === candidate.label &&
        intersectionOverUnion(keptDetection.box, candidate.box) > iouThreshold,
    );
    if (!overlaps) kept.push(candidate);
  }
  return kept;
}

export function intersectionOverUnion(a: Box, b: Box): number {
  const overlapWidth = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const overlapHeight = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (overlapWidth <= 0 || overlapHeight <= 0) return 0;
  const intersection = overlapWidth * overlapHeight;
  return intersection / (a.width * a.height + b.width * b.height - intersection);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
