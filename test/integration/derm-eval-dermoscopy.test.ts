/**
 * `ddx eval --metadata` on real dermoscopy (issue 11): every 20th image (64) of the shared derm-eval
 * set (HAM10000, CC BY-NC 4.0, measured only), said to be dermoscopy, take the dermoscopy route:
 * the classical outline finds more of the outlined lesions than the demo detector does on the same
 * images without metadata, and the lesion classifier, trained on clinical photos only, is never
 * confident there. Skipped when ../shared/data is absent.
 */
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig, packageRoot } from '../../src/config.js';
import type { EvalReport } from '../../src/evaluation/eval-report.js';
import { loadLabelMap } from '../../src/evaluation/label-map.js';
import { parseLabels } from '../../src/evaluation/labels-file.js';
import { runEvaluation } from '../../src/evaluation/run-evaluation.js';

const folder = join(packageRoot, '..', 'shared', 'data', 'derm-eval');
const present = await access(join(folder, 'labels.csv')).then(
  () => true,
  () => false,
);
const images = 64;

describe('ddx eval on real dermoscopy said to be dermoscopy', {
  skip: present ? false : '../shared/data is absent',
}, () => {
  let dermoscopy: EvalReport;
  let plain: EvalReport;
  const metadataPath = join(packageRoot, 'data', 'dermoscopy.meta.json');
  before(async () => {
    const all = parseLabels(await readFile(join(folder, 'labels.csv'), 'utf8'));
    const rows = [...all].sort((a, b) => a.file.localeCompare(b.file)).filter((_, index) => index % 20 === 0);
    const labelMap = await loadLabelMap(join(packageRoot, 'data', 'derm-eval-label-map.json'));
    const config = loadConfig({ DDX_LOG_LEVEL: 'error' });
    const settings = { folder, rows, labelMap, concurrency: 2, requestId: 'derm-eval-test' };
    dermoscopy = await runEvaluation(config, { ...settings, metadataPath });
    plain = await runEvaluation(config, settings);
  });

  it('outlines at least 80% of the lesions, more than the detector finds without metadata', () => {
    assert.equal(dermoscopy.metadataFile, metadataPath);
    assert.equal(dermoscopy.metrics.roiImages, images);
    assert.equal(plain.metrics.roiImages, images);
    const outlined = dermoscopy.metrics.roiRecallIoU50 ?? 0;
    const detected = plain.metrics.roiRecallIoU50 ?? 0;
    assert.ok(outlined >= 0.8, `ROI recall ${outlined}`);
    assert.ok(outlined > detected, `outline ${outlined} vs detector ${detected}`);
  });

  it('is never confident: the classifier was not trained on dermoscopy', () => {
    assert.equal(dermoscopy.metrics.headline.confidentShare, 0);
    const answered = dermoscopy.items.filter((item) => item.verdict === 'uncertain');
    assert.ok(answered.length > 0);
    for (const item of answered) assert.ok(item.reasons.includes('IMAGE_TYPE_NOT_TRAINED'), item.file);
  });
});
