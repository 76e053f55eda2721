/**
 * `ddx eval <folder>`: measure the pipeline on a labelled folder (evaluation/): the figures on the
 * terminal, report.json and report.html in --out, and with --baseline a non-zero exit when a
 * figure regressed past its tolerance.
 */
import { randomUUID } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { regressionsAgainst } from '../evaluation/baseline.js';
import type { EvalReport } from '../evaluation/eval-report.js';
import { loadLabelMap } from '../evaluation/label-map.js';
import { readLabelsFile } from '../evaluation/labels-file.js';
import { runEvaluation, writeReport } from '../evaluation/run-evaluation.js';
import type { Command } from './command.js';
import { ExitCode } from './exit-code.js';
import { formatTable } from './text-table.js';
import { UsageError } from './usage-error.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'measure the pipeline on a labelled folder: accuracy, calibration, the assessment',
  arguments: [{ name: 'folder', description: 'the folder of images the labels file names' }],
  options: {
    labels: {
      type: 'string',
      value: 'FILE',
      description:
        'the labels file (file, dx, optional x_min..y_max box fractions, metadata); <folder>/labels.csv by default',
    },
    'label-map': {
      type: 'string',
      value: 'FILE',
      description: 'JSON { labels: { datasetLabel: modelLabel }, malignant: [datasetLabel] }',
    },
    metadata: {
      type: 'string',
      value: 'FILE',
      description:
        'clinical metadata (JSON) for the images without a <image>.meta.json, e.g. {"imageType": "dermoscopy"}',
    },
    out: {
      type: 'string',
      value: 'DIR',
      default: 'ddx-eval',
      description: 'where report.json and report.html go',
    },
    baseline: {
      type: 'string',
      value: 'FILE',
      description: 'a previous report.json: exit 1 when a figure regressed past its tolerance',
    },
    concurrency: { type: 'string', value: 'N', default: '1', description: 'images processed at once' },
  },
  description: [
    'Every image of the labels file goes through the same pipeline as `ddx run`, in',
    'stores of its own (no stored record is reused, no event is sent). Reported: ROI',
    'recall at IoU 0.5, top-1/top-3, per-class sensitivity and specificity, malignant',
    'vs benign, the confusion matrix, ECE and a reliability diagram, the coverage /',
    'selective-accuracy curve, dangerous misses (malignant called benign, confident),',
    'a breakdown by every metadata column, and latency percentiles. A data-set label',
    'the label map leaves out counts as one the models should not answer confidently.',
  ].join('\n'),
  examples: [
    'ddx eval ~/data/derm-eval --label-map data/derm-eval-label-map.json --out reports/derm-eval',
    'ddx eval my-set --baseline reports/previous/report.json',
    'ddx eval ~/data/derm-eval --metadata dermoscopy.meta.json --out reports/derm-eval-dermoscopy',
  ],
  async run({ args, options, config, out, err }) {
    const [folder = ''] = args;
    const labelsPath = options.text('labels') ?? join(folder, 'labels.csv');
    await access(labelsPath).catch(() => {
      throw new UsageError(`no labels file at ${labelsPath}: give one with --labels`);
    });
    const rows = await readLabelsFile(labelsPath);
    if (rows.length === 0) {
      err.write(`ddx: ${labelsPath} lists no images\n`);
      return ExitCode.badInput;
    }
    const mapPath = options.text('label-map');
    const baselinePath = options.text('baseline');
    const metadataPath = options.text('metadata');
    if (metadataPath) {
      await access(metadataPath).catch(() => {
        throw new UsageError(`no metadata file at ${metadataPath}`);
      });
    }
    const baseline = baselinePath
      ? (JSON.parse(await readFile(baselinePath, 'utf8')) as EvalReport)
      : undefined;
    const report = await runEvaluation(config(), {
      folder,
      rows,
      labelMap: mapPath ? await loadLabelMap(mapPath) : null,
      ...(metadataPath && { metadataPath }),
      concurrency: options.wholeNumber('concurrency') ?? 1,
      requestId: randomUUID(),
    });
    const written = await writeReport(report, options.text('out') ?? 'ddx-eval');
    out.write(
      `${summaryLines(report, out.columns).join('\n')}\n\nwrote ${written.json} and ${written.html}\n`,
    );
    if (!baseline) return ExitCode.ok;
    const regressions = regressionsAgainst(baseline, report);
    for (const regression of regressions) {
      err.write(
        `ddx: ${regression.figure} regressed: ${regression.baseline.toFixed(4)} -> ${regression.current.toFixed(4)} (tolerance ${regression.tolerance})\n`,
      );
    }
    // 1, as for any run that did not do what was asked: the promotion gate failed.
    return regressions.length > 0 ? ExitCode.internal : ExitCode.ok;
  },
};

function summaryLines(report: EvalReport, width: number | undefined): string[] {
  const { metrics } = report;
  const share = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(1)}%`);
  const rows: string[][] = [
    ['images', String(metrics.headline.images)],
    [
      'confident / uncertain / out of scope',
      [metrics.headline.confidentShare, metrics.headline.uncertainShare, metrics.headline.outOfScopeShare]
        .map(share)
        .join(' / '),
    ],
    ['out of scope or refused', share(metrics.headline.refusedShare)],
    [
      'accuracy: all / confident',
      `${share(metrics.headline.accuracyAll)} / ${share(metrics.headline.accuracyConfident)}`,
    ],
    ['top-1 / top-3 (mapped labels)', `${share(metrics.top1)} / ${share(metrics.top3)}`],
    ['ROI recall at IoU 0.5', `${share(metrics.roiRecallIoU50)} of ${metrics.roiImages}`],
    [
      'malignant: top malignant / not dismissed',
      `${share(metrics.malignantVsBenign.sensitivity)} / ${share(metrics.malignantVsBenign.notDismissed)}`,
    ],
    ['ECE calibrated / raw', `${share(metrics.calibration.ece)} / ${share(metrics.calibration.rawEce)}`],
    [
      'latency p50 / p90 / p99 ms',
      [metrics.latencyMs.p50, metrics.latencyMs.p90, metrics.latencyMs.p99]
        .map((v) => (v === null ? '-' : v.toFixed(0)))
        .join(' / '),
    ],
    ...report.doneWhen.map((check) => [
      check.name,
      `${check.value} (target ${check.target}: ${check.met ? 'met' : 'not met'})`,
    ]),
  ];
  return formatTable(
    [
      { title: 'figure', minWidth: 20 },
      { title: 'value', minWidth: 20 },
    ],
    rows,
    width,
  );
}
