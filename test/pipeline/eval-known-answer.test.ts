/**
 * `ddx eval` on a small labelled folder with a known answer (issue 10 item 6): the committed
 * samples (the demo models classify each correctly), plus one copy labelled with a diagnosis the
 * models do not have, through the real pipeline and models.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig, packageRoot } from '../../src/config.js';
import { regressionsAgainst } from '../../src/evaluation/baseline.js';
import type { EvalReport } from '../../src/evaluation/eval-report.js';
import { labelMapFrom } from '../../src/evaluation/label-map.js';
import { parseLabels } from '../../src/evaluation/labels-file.js';
import { runEvaluation, writeReport } from '../../src/evaluation/run-evaluation.js';

const samples = {
  'localized-melanoma-back.jpg': 'MEL',
  'localized-nevus-forearm.jpg': 'NV',
  'localized-basal-cell-carcinoma-temple.jpg': 'BCC',
  'localized-seborrheic-keratosis-shoulder.jpg': 'BKL',
  'localized-vascular-lesion-chest.jpg': 'VASC',
  'widespread-psoriasis-trunk.jpg': 'psoriasis',
  'widespread-urticaria-trunk.jpg': 'urticaria',
  'widespread-morbilliform-trunk.jpg': 'morbilliform',
  'widespread-petechiae-legs.jpg': 'petechiae',
};

describe('ddx eval on a labelled folder with a known answer', () => {
  let folder: string;
  let report: EvalReport;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ddx-eval-known-'));
    const lines = ['file,dx,x_min,y_min,x_max,y_max,source'];
    for (const [file, dx] of Object.entries(samples)) {
      await copyFile(join(packageRoot, 'samples', file), join(folder, file));
      await copyFile(join(packageRoot, 'samples', `${file}.meta.json`), join(folder, `${file}.meta.json`));
      lines.push(`${file},${dx},,,,,samples`);
    }
    // The nevus photo again, labelled with a diagnosis the models lack: it must not count as right.
    await copyFile(
      join(packageRoot, 'samples/localized-nevus-forearm.jpg'),
      join(folder, 'dermatofibroma.jpg'),
    );
    await writeFile(join(folder, 'dermatofibroma.jpg.meta.json'), '{"extent": "localized"}\n');
    lines.push('dermatofibroma.jpg,DF,,,,,relabelled');
    const rows = parseLabels(lines.join('\n'));
    const labelMap = labelMapFrom({
      labels: {
        mel: 'melanoma',
        nv: 'melanocytic-nevus',
        bcc: 'basal-cell-carcinoma',
        bkl: 'seborrheic-keratosis',
        vasc: 'vascular-lesion',
        psoriasis: 'plaque-psoriasis',
        urticaria: 'urticaria',
        morbilliform: 'morbilliform-eruption',
        petechiae: 'petechial-purpuric-eruption',
      },
      malignant: ['mel', 'bcc'],
    });
    report = await runEvaluation(loadConfig({ DDX_LOG_LEVEL: 'error' }), {
      folder,
      rows,
      labelMap,
      concurrency: 1,
      requestId: 'eval-test',
    });
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('counts every sample right and the unmapped label wrong', () => {
    const { metrics } = report;
    assert.equal(metrics.headline.images, 10);
    assert.equal(metrics.headline.answered, 10);
    assert.equal(metrics.top1, 1);
    assert.equal(metrics.top3, 1);
    assert.equal(metrics.headline.accuracyAll, 0.9);
    assert.equal(metrics.perClass.melanoma?.sensitivity, 1);
    assert.equal(metrics.perClass.melanoma?.specificity, 1);
    assert.equal(metrics.malignantVsBenign.malignantImages, 2);
    assert.equal(metrics.malignantVsBenign.sensitivity, 1);
    assert.equal(metrics.dangerousMisses.length, 0);
    const row = metrics.confusion.labels.indexOf('(unmapped) DF');
    const column = metrics.confusion.predicted.indexOf('melanocytic-nevus');
    assert.equal(metrics.confusion.counts[row]?.[column], 1);
    assert.deepEqual(Object.keys(metrics.breakdowns.source ?? {}), ['relabelled', 'samples']);
    assert.equal(metrics.breakdowns.source?.samples?.accuracyAll, 1);
    assert.equal(metrics.latencyMs.p50 !== null, true);
    assert.equal(metrics.calibration.images, 9);
  });

  it('writes report.json and a self-contained report.html with SVG plots', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ddx-eval-out-'));
    try {
      const written = await writeReport(report, out);
      const json = JSON.parse(await readFile(written.json, 'utf8')) as EvalReport;
      assert.equal(json.items.length, 10);
      const html = await readFile(written.html, 'utf8');
      assert.match(html, /<svg[^>]*aria-label="reliability diagram"/);
      assert.match(html, /<svg[^>]*aria-label="coverage and selective accuracy"/);
      assert.doesNotMatch(html, /<script|https?:\/\//);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('finds a regression against a better baseline, and none against itself', () => {
    assert.deepEqual(regressionsAgainst(report, report), []);
    const better = structuredClone(report);
    better.metrics.headline.confidentShare = (report.metrics.headline.confidentShare ?? 0) + 0.2;
    assert.deepEqual(
      regressionsAgainst(better, report).map((regression) => regression.figure),
      ['confidentShare'],
    );
  });
});
