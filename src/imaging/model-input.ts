/**
 * Turns a decoded image into the float tensor a model card asks for: resized (stretched or
 * letterboxed), scaled, normalised with the card's mean and std, in NCHW or NHWC order.
 */
import sharp, { type Sharp } from 'sharp';
import type { DecodedImage } from '../domain.js';
import type { ModelInput } from '../models/model-card.js';

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

function normalise(pixels: Buffer, input: ModelInput): Float32Array {
  const planeSize = input.width * input.height;
  const data = new Float32Array(planeSize * 3);
  const multiplier = input.std.map((std) => 1 / (input.scale * std));
  const offset = input.mean.map((mean, channel) => mean / (input.std[channel] ?? 1));
  const planar = input.layout === 'NCHW';
  for (let pixel = 0; pixel < planeSize; pixel++) {
    for (let channel = 0; channel < 3; channel++) {
      const value = (pixels[pixel * 3 + channel] ?? 0) * (multiplier[channel] ?? 1) - (offset[channel] ?? 0);
      data[planar ? channel * planeSize + pixel : pixel * 3 + channel] = value;
    }
  }
  return data;
}
