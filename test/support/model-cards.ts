/** Model-card pieces for tests: a small 64x64 RGB input, changed where a test needs it. */
import type { ModelInput } from '../../src/models/model-card.js';

export function modelInput(overrides: Partial<ModelInput> = {}): ModelInput {
  return {
    name: 'images',
    width: 64,
    height: 64,
    layout: 'NCHW',
    scale: 255,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    resize: 'stretch',
    padValue: 114,
    ...overrides,
  };
}
