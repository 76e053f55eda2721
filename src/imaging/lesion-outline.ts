/**
 * A classical outline of the lesion in a dermoscopy image, with nothing learned: a dermatoscope is
 * placed on one lesion, which is darker than the skin around it, so after the light's fall-off is
 * divided out Otsu's threshold separates the two. The steps, on a small square thumbnail:
 * 1. luminance, and a 5 x 5 grey closing that removes thin dark hairs;
 * 2. the dermatoscope's dark vignette (dark pixels joined to the frame) is left out, and a
 *    Gaussian (sigma 1.5) removes the grain;
 * 3. shading correction: a quadratic surface fitted to the brighter 70 % of the field of view (the
 *    skin) is divided out, so a darker side of the frame is not taken for the lesion;
 * 4. Otsu's threshold; the darker pixels, opened and closed twice and with holes filled, form
 *    regions; the lesion is the region with the largest area weighted by nearness to the centre.
 * It does not judge whether a lesion is there: it always outlines the darkest central region, so it
 * serves routes that know the image is dermoscopy. On photographs at a distance it outlines
 * whatever is darkest (clothing, a pen mark). `separability` is Otsu's between-class share of the
 * variance (0..1): how cleanly two tones split, not a probability that a lesion was found.
 */

export interface LesionOutline {
  /** 1 for the lesion's pixels, row-major over the thumbnail. */
  mask: Uint8Array;
  size: number;
  separability: number;
}

/** Pixels below this share of the median luminance, joined to the frame, are the vignette. */
const vignetteShareOfMedian = 0.35;
/** The darker share of the field of view left out when the skin's shading is fitted. */
const shadingFitDarkShare = 0.3;

/** `rgb`: three planes (NCHW, 0..1) of a `size` x `size` thumbnail. */
export function outlineLesion(rgb: Float32Array, size: number): LesionOutline | null {
  const pixels = size * size;
  const luminance = new Float32Array(pixels);
  for (let index = 0; index < pixels; index++) {
    luminance[index] =
      255 *
      (0.299 * (rgb[index] ?? 0) +
        0.587 * (rgb[pixels + index] ?? 0) +
        0.114 * (rgb[2 * pixels + index] ?? 0));
  }
  // Hairs go first: a dark hair reaching the frame would otherwise count as vignette.
  const hairless = greyClosing(luminance, size, 2);
  const fieldOfView = fieldOfViewMask(hairless, size);
  const corrected = divideOutShading(gaussianBlur(hairless, size, 1.5), fieldOfView, size);
  const inView = corrected.filter((_, index) => fieldOfView[index] === 1);
  if (inView.length === 0) return null;
  const { threshold, separability } = otsu(inView);
  if (separability === 0) return null; // one flat tone: nothing to outline

  let dark: Uint8Array = new Uint8Array(pixels);
  for (let index = 0; index < pixels; index++) {
    dark[index] = fieldOfView[index] === 1 && (corrected[index] ?? 0) < threshold ? 1 : 0;
  }
  dark = erode(dilate(dilate(erode(erode(dark, size), size), size), size), size); // opening, 2 passes
  dark = erode(erode(dilate(dilate(dark, size), size), size), size); // closing, 2 passes
  dark = fillHoles(dark, size);
  const lesion = mostCentralLargeRegion(dark, size);
  return lesion ? { mask: lesion, size, separability } : null;
}

function fieldOfViewMask(luminance: Float32Array, size: number): Uint8Array {
  const cutoff = vignetteShareOfMedian * median(luminance);
  const dark = luminance.map((value) => (value < cutoff ? 1 : 0));
  const vignette = regionsTouchingFrame(Uint8Array.from(dark), size);
  const grown = dilate(dilate(vignette, size), size);
  return grown.map((value) => 1 - value);
}

/** The 1-pixels 4-connected to the frame. */
function regionsTouchingFrame(mask: Uint8Array, size: number): Uint8Array {
  const reached = new Uint8Array(mask.length);
  const stack: number[] = [];
  for (let index = 0; index < mask.length; index++) {
    const x = index % size;
    const y = (index - x) / size;
    if ((x === 0 || y === 0 || x === size - 1 || y === size - 1) && mask[index] === 1) {
      reached[index] = 1;
      stack.push(index);
    }
  }
  while (stack.length > 0) {
    const index = stack.pop() as number;
    for (const next of neighbours(index, size)) {
      if (mask[next] === 1 && reached[next] === 0) {
        reached[next] = 1;
        stack.push(next);
      }
    }
  }
  return reached;
}

function* neighbours(index: number, size: number): Generator<number> {
  const x = index % size;
  if (x > 0) yield index - 1;
  if (x < size - 1) yield index + 1;
  if (index >= size) yield index - size;
  if (index < size * (size - 1)) yield index + size;
}

/** Binary dilation with the 4-neighbour cross. */
function dilate(mask: Uint8Array, size: number): Uint8Array {
  const out = Uint8Array.from(mask);
  for (let index = 0; index < mask.length; index++) {
    if (mask[index] === 1) for (const next of neighbours(index, size)) out[next] = 1;
  }
  return out;
}

/** Binary erosion with the 4-neighbour cross; outside the frame counts as background. */
function erode(mask: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let index = 0; index < mask.length; index++) {
    if (mask[index] !== 1) continue;
    const x = index % size;
    const y = (index - x) / size;
    if (x === 0 || y === 0 || x === size - 1 || y === size - 1) continue;
    let kept = 1;
    for (const next of neighbours(index, size)) if (mask[next] !== 1) kept = 0;
    out[index] = kept;
  }
  return out;
}

/** Background not 4-connected to the frame becomes foreground. */
function fillHoles(mask: Uint8Array, size: number): Uint8Array {
  const outside = regionsTouchingFrame(
    mask.map((value) => 1 - value),
    size,
  );
  return outside.map((value) => 1 - value);
}

/** Grey closing (max then min) over a square window of the given radius, edges clamped. */
function greyClosing(values: Float32Array, size: number, radius: number): Float32Array {
  return windowed(windowed(values, size, radius, Math.max), size, radius, Math.min);
}

function windowed(
  values: Float32Array,
  size: number,
  radius: number,
  pick: (a: number, b: number) => number,
): Float32Array {
  const pass = (input: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(input.length);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let value = input[y * size + x] ?? 0;
        for (let offset = -radius; offset <= radius; offset++) {
          const u = clamp((horizontal ? x : y) + offset, size);
          value = pick(value, input[horizontal ? y * size + u : u * size + x] ?? 0);
        }
        out[y * size + x] = value;
      }
    }
    return out;
  };
  return pass(pass(values, true), false);
}

function gaussianBlur(values: Float32Array, size: number, sigma: number): Float32Array {
  const radius = Math.ceil(4 * sigma);
  const weights = Array.from({ length: 2 * radius + 1 }, (_, k) =>
    Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)),
  );
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const pass = (input: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(input.length);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) {
          const u = reflect((horizontal ? x : y) + k - radius, size);
          sum += (weights[k] ?? 0) * (input[horizontal ? y * size + u : u * size + x] ?? 0);
        }
        out[y * size + x] = sum / total;
      }
    }
    return out;
  };
  return pass(pass(values, true), false);
}

/**
 * Divides out a quadratic surface a + bx + cy + dx^2 + ey^2 + fxy, fitted by least squares to the
 * brighter pixels of the field of view, and rescales the skin to a luminance of 160.
 */
function divideOutShading(values: Float32Array, fieldOfView: Uint8Array, size: number): Float32Array {
  const inView = values.filter((_, index) => fieldOfView[index] === 1);
  if (inView.length < 6) return values;
  const floor = quantile(inView, shadingFitDarkShare);
  const terms = (index: number) => {
    const x = (index % size) / size - 0.5;
    const y = Math.floor(index / size) / size - 0.5;
    return [1, x, y, x * x, y * y, x * y];
  };
  const normal = Array.from({ length: 6 }, () => new Float64Array(7));
  for (let index = 0; index < values.length; index++) {
    const value = values[index] ?? 0;
    if (fieldOfView[index] !== 1 || value <= floor) continue;
    const row = terms(index);
    for (let i = 0; i < 6; i++) {
      const line = normal[i] as Float64Array;
      for (let j = 0; j < 6; j++) line[j] = (line[j] ?? 0) + (row[i] ?? 0) * (row[j] ?? 0);
      line[6] = (line[6] ?? 0) + (row[i] ?? 0) * value;
    }
  }
  const coefficients = solve(normal);
  if (!coefficients) return values;
  return values.map((value, index) => {
    const surface = terms(index).reduce((sum, term, k) => sum + term * (coefficients[k] ?? 0), 0);
    return Math.min(255, Math.max(0, (value / Math.max(surface, 1)) * 160));
  });
}

/** Gaussian elimination with partial pivoting on an augmented n x (n + 1) system. */
function solve(augmented: Float64Array[]): number[] | null {
  const n = augmented.length;
  for (let column = 0; column < n; column++) {
    let pivot = column;
    for (let row = column + 1; row < n; row++) {
      if (Math.abs(augmented[row]?.[column] ?? 0) > Math.abs(augmented[pivot]?.[column] ?? 0)) pivot = row;
    }
    const pivotRow = augmented[pivot] as Float64Array;
    if (Math.abs(pivotRow[column] ?? 0) < 1e-12) return null;
    [augmented[column], augmented[pivot]] = [pivotRow, augmented[column] as Float64Array];
    for (let row = 0; row < n; row++) {
      if (row === column) continue;
      const target = augmented[row] as Float64Array;
      const factor = (target[column] ?? 0) / (pivotRow[column] ?? 1);
      for (let k = column; k <= n; k++) target[k] = (target[k] ?? 0) - factor * (pivotRow[k] ?? 0);
    }
  }
  return augmented.map((row, index) => (row[n] ?? 0) / (row[index] ?? 1));
}

/** Otsu's threshold over 256 bins of 0..255, and the between-class share of the variance. */
function otsu(values: Float32Array): { threshold: number; separability: number } {
  const histogram = new Float64Array(256);
  for (const value of values) {
    const bin = Math.min(255, Math.max(0, Math.floor(value)));
    histogram[bin] = (histogram[bin] ?? 0) + 1;
  }
  const count = values.length;
  let totalSum = 0;
  let totalSquares = 0;
  for (let bin = 0; bin < 256; bin++) {
    totalSum += bin * (histogram[bin] ?? 0);
    totalSquares += bin * bin * (histogram[bin] ?? 0);
  }
  const mean = totalSum / count;
  const variance = totalSquares / count - mean * mean;
  let below = 0;
  let belowSum = 0;
  let best = { threshold: 0, between: -1 };
  for (let bin = 0; bin < 256; bin++) {
    below += histogram[bin] ?? 0;
    belowSum += bin * (histogram[bin] ?? 0);
    if (below === 0 || below === count) continue;
    const share = below / count;
    const between = (mean * share - belowSum / count) ** 2 / (share * (1 - share));
    if (between > best.between) best = { threshold: bin, between };
  }
  // Pixels below the bin after the best split are the darker class (as scipy/skimage count them).
  return { threshold: best.threshold + 1, separability: variance > 0 ? best.between / variance : 0 };
}

/** The region (4-connected) with the largest area times (1 - distance from centre / 0.7). */
function mostCentralLargeRegion(mask: Uint8Array, size: number): Uint8Array | null {
  const label = new Int32Array(mask.length);
  let best: { pixels: number[]; score: number } | null = null;
  let next = 0;
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] !== 1 || label[start] !== 0) continue;
    next++;
    const pixels: number[] = [];
    const stack = [start];
    label[start] = next;
    let sumX = 0;
    let sumY = 0;
    while (stack.length > 0) {
      const index = stack.pop() as number;
      pixels.push(index);
      sumX += index % size;
      sumY += Math.floor(index / size);
      for (const neighbour of neighbours(index, size)) {
        if (mask[neighbour] === 1 && label[neighbour] === 0) {
          label[neighbour] = next;
          stack.push(neighbour);
        }
      }
    }
    const offCentre = Math.hypot(sumX / pixels.length / size - 0.5, sumY / pixels.length / size - 0.5);
    const score = pixels.length * (1 - Math.min(1, offCentre / 0.7));
    if (!best || score > best.score) best = { pixels, score };
  }
  if (!best) return null;
  const region = new Uint8Array(mask.length);
  for (const index of best.pixels) region[index] = 1;
  return region;
}

function median(values: Float32Array): number {
  return quantile(values, 0.5);
}

function quantile(values: Float32Array, share: number): number {
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(share * (sorted.length - 1)))] ?? 0;
}

function clamp(value: number, size: number): number {
  return Math.min(size - 1, Math.max(0, value));
}

/** scipy's `reflect` edge mode: the edge pixel is repeated (d c b a | a b c d | d c b a). */
function reflect(value: number, size: number): number {
  if (value < 0) return -value - 1;
  if (value >= size) return 2 * size - value - 1;
  return value;
}
