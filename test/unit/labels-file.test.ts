/** The labels file of `ddx eval`: one image per file however many lesions its rows outline. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadInputError } from '../../src/errors.js';
import { parseLabels } from '../../src/evaluation/labels-file.js';

describe('parseLabels', () => {
  it('joins the rows of one file into one image with every box, in file order', () => {
    const rows = parseLabels(
      [
        'file,split,dx,x_min,y_min,x_max,y_max',
        'a.jpg,valid,MEL,0.1,0.1,0.4,0.5',
        'b.jpg,train,NV,,,,',
        'a.jpg,valid,MEL,0.6,0.6,0.9,0.8',
      ].join('\n'),
    );
    assert.deepEqual(rows, [
      {
        file: 'a.jpg',
        dx: 'MEL',
        boxes: [
          { xMin: 0.1, yMin: 0.1, xMax: 0.4, yMax: 0.5 },
          { xMin: 0.6, yMin: 0.6, xMax: 0.9, yMax: 0.8 },
        ],
        metadata: { split: 'valid' },
      },
      { file: 'b.jpg', dx: 'NV', boxes: [], metadata: { split: 'train' } },
    ]);
  });

  it('refuses a file labelled with two diagnoses, naming both', () => {
    assert.throws(
      () => parseLabels('file,dx\na.jpg,MEL\na.jpg,NV\n', 'labels.csv'),
      (error: unknown) =>
        error instanceof BadInputError &&
        error.message === 'labels.csv: a.jpg is labelled both MEL and NV: one diagnosis per image',
    );
  });

  it('refuses a header without file and dx', () => {
    assert.throws(() => parseLabels('name,label\na.jpg,MEL\n'), /must name the columns file and dx/);
  });
});
