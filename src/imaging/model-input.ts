/**
 * Turns a decoded image into the float tensor a model card asks for: resized (stretched or
 * letterboxed), scaled, normalised with the card's mean and std, in NCHW or NHWC order.
 */
import type { Sharp } from 'sharp';
import type { DecodedImage } from '../domain.js';
import type { ModelInput } from '../models/model-card.js';
import { loadSharp } from './sharp-library.js';

/** How the model input maps back to the original image: x = (inputX - padX) / scaleX, likewise y. */
export interface Letterbox {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

export interface ModelTensor {
  data: Float32Array;
  dims: [number, number, number, number];
  letterbox: Letterbox;
}

export async function prepareModelInput(image: DecodedImage, input: ModelInput): Promise<ModelTensor> {
  const { width: targetWidth, height: targetHeight } = input;
  const sharp = await loadSharp();
  const source = sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } });

  let letterbox: Letterbox;
  let pipeline: Sharp;
  if (input.resize === 'letterbox') {
    const scale = Math.min(targetWidth / image.width, targetHeight / image.height);
    const resizedWidth = Math.max(1, Math.round(image.width * scale));
    const resizedHeight = Math.max(1, Math.round(image.height * scale));
    const padX = Math.floor((targetWidth - resizedWidth) / 2);
    const padY = Math.floor((targetHeight - resizedHeight) / 2);
    const pad = input.padValue;
    pipeline = source.resize(resizedWidth, resizedHeight, { fit: 'fill', kernel: 'linear' }).extend({
      top: padY,
      bottom: targetHeight - resizedHeight - padY,
      left: padX,
      right: targetWidth - resizedWidth - padX,
      background: { r: pad, g: pad, b: pad },
    });
    letterbox = { scaleX: resizedWidth / image.width, scaleY: resizedHeight / image.height, padX, padY };
  } else {
    pipeline = source.resize(targetWidth, targetHeight, { fit: 'fill', kernel: 'linear' });
    letterbox = { scaleX: targetWidth / image.width, scaleY: targetHeight / image.height, padX: 0, padY: 0 };
  }
  const pixels = await pipeline.raw().toBuffer();
  return {
    data: normalise(pixels, input),
    dims: input.layout === 'NCHW' ? [1, 3, targetHeight, targetWidth] : [1, targetHeight, targetWidth, 3],
    letterbox,
  };
}

/**
 * Scale and normalise through one 256-entry table per channel: the same arithmetic as per pixel,
 * done 768 times instead of three times per pixel (it runs on the main thread).
 */
function normalise(pixels: Buffer, input: ModelInput): Float32Array {
  const planeSize = input.width * input.height;
  const data = new Float32Array(planeSize * 3);
  const planar = input.layout === 'NCHW';
  for (let channel = 0; channel < 3; channel++) {
    const std = input.std[channel] ?? 1;
    const multiplier = 1 / (input.scale * std);
    const offset = (input.mean[channel] ?? 0) / std;
    const table = new Float32Array(256);
    for (let value = 0; value < 256; value++) table[value] = value * multiplier - offset;
    if (planar) {
      const base = channel * planeSize;
      for (let pixel = 0, source = channel; pixel < planeSize; pixel++, source += 3) {
        data[base + pixel] = table[pixels[source] as number] as number;
      }
    } else {
      for (let index = channel; index < data.length; index += 3)
        data[index] = table[pixels[index] as number] as number;
    }
  }
  return data;
}
