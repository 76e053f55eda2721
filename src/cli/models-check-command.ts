/**
 * `ddx models check <model.onnx>`: what a model says about itself against what its card claims
 * (models-check.ts), in plain words; exit 2 when the card does not fit.
 */
import { stat } from 'node:fs/promises';
import type { Command } from './command.js';
import { describeFileError, LocalFileError } from './upload-image.js';

export const modelsCheckCommand: Command = {
  name: 'models check',
  summary: 'inspect a model, run a probe image, and say what its card gets wrong',
  arguments: [{ name: 'model.onnx', description: 'the ONNX model file' }],
  options: {
    card: {
      type: 'string',
      value: 'card.json',
      description: 'the model card to check (default: <model>.card.json beside the model, when there is one)',
    },
    image: {
      type: 'string',
      value: 'probe.jpg',
      description: 'the image to run through the model (default: a bundled sample)',
    },
    json: { type: 'boolean', description: 'print the report as JSON' },
  },
  description: [
    'Reads the tensors and exporter metadata (Ultralytics names, imgsz, stride), runs',
    'a probe image, and names each mismatch with the card: input name, layout, size,',
    'label count, softmax or logits, normalisation, resize, output format. Without a',
    'card it prints one to start from. Exit code 0 when the card fits or none was',
    'given, 2 when it does not (docs/bring-your-own-model.md).',
  ].join('\n'),
  examples: [
    'ddx models check models/lesion-classifier.onnx',
    'ddx models check best.onnx --card best.card.json --image lesion.jpg',
  ],
  async run({ args, options, out }) {
    const [modelPath = ''] = args;
    for (const [what, path] of [
      ['model', modelPath],
      ['card', options.text('card')],
      ['image', options.text('image')],
    ] as const) {
      if (path === undefined) continue;
      const found = await stat(path).catch((error: unknown) => {
        throw new LocalFileError(`cannot read ${what} ${path}: ${describeFileError(error)}`);
      });
      if (!found.isFile()) throw new LocalFileError(`${what} ${path} is not a file`);
    }
    const { modelsCheck } = await import('./models-check.js');
    return modelsCheck(
      modelPath,
      { card: options.text('card'), image: options.text('image'), json: options.flag('json') },
      (text) => out.write(text),
    );
  },
};
