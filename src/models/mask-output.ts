/**
 * Decoding of a segmentation model's lesion mask (`[1, 1, H, W]` or `[1, H, W]` over the model
 * input): pixels at or above the threshold form regions (4-connected); each region becomes a
 * detection whose box is the region's bounding box in original-image pixels, whose confidence is
 * its mean probability, and whose `mask` summary records:
 * - `areaFraction`: the region's share of the image area;
 * - `borderIrregularity`: the isoperimetric ratio P^2 / (4 pi A), 1 for a circle and larger the
 *   more ragged or elongated the border (the "B" of the ABCD rule, measured, not judged).
 * Both are measured in original-image geometry, so a stretched input does not distort them.
 */

import type { Detection } from '../domain.js';
import type { Letterbox } from '../imaging/model-input.js';

export interface MaskDecodeOptions {
  label: string;
  activation: 'logits' | 'probabilities';
  threshold: number;
  letterbox: Letterbox;
  imageWidth: number;
  imageHeight: number;
  /** Regions smaller than this share of the image are noise, not lesions. */
  minAreaFraction?: number;
  maxDetections?: number;
}

/**
 * Crack edges along a staircase are longer than the smooth border they follow: for borders at
 * every angle the mean excess is 4/pi, so the edge count times pi/4 estimates the true perimeter
 * (a digital disc then scores about 1).
 */
const perimeterCorrection = Math.PI / 4;

export function decodeMaskOutput(
  output: Float32Array,
  dims: readonly number[],
  options: MaskDecodeOptions,
): Detection[] {
  const shape =
    dims.length === 4 && dims[0] === 1 && dims[1] === 1
      ? dims.slice(2)
      : dims.length === 3 && dims[0] === 1
        ? dims.slice(1)
        : null;
  const [height, width] = shape ?? [];
  if (height === undefined || width === undefined) {
    throw new Error(`expected a mask output [1, 1, H, W] or [1, H, W], got [${dims.join(', ')}]`);
  }
  if (output.length !== height * width) {
    throw new Error(
      `mask output holds ${output.length} values, its shape [${dims.join(', ')}] says ${height * width}`,
    );
  }
  const { letterbox } = options;
  // The mask may be at a lower resolution than the input (a decoder with a stride): map through it.
  const inputWidth = options.imageWidth * letterbox.scaleX + 2 * letterbox.padX || width;
  const inputHeight = options.imageHeight * letterbox.scaleY + 2 * letterbox.padY || height;
  const perMaskX = inputWidth / width;
  const perMaskY = inputHeight / height;
  // Original-image pixels per mask pixel, per axis.
  const originalX = perMaskX / letterbox.scaleX;
  const originalY = perMaskY / letterbox.scaleY;
  const imageArea = options.imageWidth * options.imageHeight;

  const probability = (index: number) => {
    const value = output[index] ?? 0;
    return options.activation === 'logits' ? 1 / (1 + Math.exp(-value)) : value;
  };
  // Only the part of the mask over the image counts, never the letterbox padding.
  const firstColumn = Math.max(0, Math.floor(letterbox.padX / perMaskX));
  const lastColumn = Math.min(
    width - 1,
    Math.ceil((letterbox.padX + options.imageWidth * letterbox.scaleX) / perMaskX) - 1,
  );
  const firstRow = Math.max(0, Math.floor(letterbox.padY / perMaskY));
  const lastRow = Math.min(
    height - 1,
    Math.ceil((letterbox.padY + options.imageHeight * letterbox.scaleY) / perMaskY) - 1,
  );
  const inside = new Uint8Array(width * height);
  for (let row = firstRow; row <= lastRow; row++) {
    for (let column = firstColumn; column <= lastColumn; column++) {
      const index = row * width + column;
      if (probability(index) >= options.threshold) inside[index] = 1;
    }
  }

  const label = new Int32Array(width * height);
  const detections: Detection[] = [];
  let next = 0;
  for (let start = 0; start < inside.length; start++) {
    if (!inside[start] || label[start]) continue;
    next++;
    label[start] = next;
    const { pixels, probabilitySum, horizontalEdges, verticalEdges, left, right, top, bottom } = floodRegion(
      { inside, label, width, height, probability },
      start,
      next,
    );
    const area = pixels * originalX * originalY;
    const areaFraction = area / imageArea;
    if (areaFraction < (options.minAreaFraction ?? 0.001)) continue;
    const perimeter = (horizontalEdges * originalX + verticalEdges * originalY) * perimeterCorrection;
    const x = clamp((left * perMaskX - letterbox.padX) / letterbox.scaleX, options.imageWidth);
    const y = clamp((top * perMaskY - letterbox.padY) / letterbox.scaleY, options.imageHeight);
    const x2 = clamp(((right + 1) * perMaskX - letterbox.padX) / letterbox.scaleX, options.imageWidth);
    const y2 = clamp(((bottom + 1) * perMaskY - letterbox.padY) / letterbox.scaleY, options.imageHeight);
    if (x2 - x < 1 || y2 - y < 1) continue;
    detections.push({
      box: { x, y, width: x2 - x, height: y2 - y },
      confidence: probabilitySum / pixels,
      label: options.label,
      mask: {
        areaFraction: Math.min(1, areaFraction),
        borderIrregularity: Math.max(1, (perimeter * perimeter) / (4 * Math.PI * area)),
      },
    });
  }
  // The largest region first: with a lesion mask, size is what marks the lesion.
  return detections
    .sort((a, b) => (b.mask?.areaFraction ?? 0) - (a.mask?.areaFraction ?? 0))
    .slice(0, options.maxDetections ?? 20);
}

interface MaskGrid {
  inside: Uint8Array;
  label: Int32Array;
  width: number;
  height: number;
  probability: (index: number) => number;
}

/** Labels the 4-connected region from `start` and measures it: size, bounds and edge counts. */
function floodRegion(grid: MaskGrid, start: number, regionLabel: number) {
  const { inside, label, width, height } = grid;
  const stack = [start];
  const region = {
    pixels: 0,
    probabilitySum: 0,
    horizontalEdges: 0, // edges between a region pixel and the one above or below it
    verticalEdges: 0, // edges between a region pixel and the one left or right of it
    left: width,
    right: -1,
    top: height,
    bottom: -1,
  };
  while (stack.length > 0) {
    const index = stack.pop() as number;
    const row = Math.floor(index / width);
    const column = index % width;
    region.pixels++;
    region.probabilitySum += grid.probability(index);
    region.left = Math.min(region.left, column);
    region.right = Math.max(region.right, column);
    region.top = Math.min(region.top, row);
    region.bottom = Math.max(region.bottom, row);
    for (const [neighbourRow, neighbourColumn, horizontal] of [
      [row - 1, column, true],
      [row + 1, column, true],
      [row, column - 1, false],
      [row, column + 1, false],
    ] as const) {
      const inMask =
        neighbourRow >= 0 && neighbourRow < height && neighbourColumn >= 0 && neighbourColumn < width;
      const neighbour = neighbourRow * width + neighbourColumn;
      if (!inMask || !inside[neighbour]) {
        if (horizontal) region.horizontalEdges++;
        else region.verticalEdges++;
      } else if (!label[neighbour]) {
        label[neighbour] = regionLabel;
        stack.push(neighbour);
      }
    }
  }
  return region;
}

function clamp(value: number, max: number): number {
  return Math.min(max, Math.max(0, value));
}
