/**
 * `ddx eval`'s work: every labelled image of a folder through the same pipeline as `ddx batch`
 * (upload, runInference), into stores of its own so no earlier record is reused and nothing is
 * sent to an event sink, then the figures and the report files.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch } from '../cli/batch.js';
import { composeDependencies } from '../compose.js';
import type { Config } from '../config.js';
import { type EvalItem, evalItemOf } from './eval-item.js';
import { computeMetrics } from './eval-metrics.js';
import { doneWhenChecks, type EvalReport } from './eval-report.js';
import { identityLabelMap, type LabelMap } from './label-map.js';
import type { LabelRow } from './labels-file.js';
import { reportHtml } from './report-html.js';

export interface EvaluationSettings {
  folder: string;
  rows: readonly LabelRow[];
  labelMap: LabelMap | null;
  concurrency: number;
  requestId: string;
  /** Clinical metadata (JSON) for the images without a `<image>.meta.json` of their own. */
  metadataPath?: string;
  now?: () => Date;
}

export async function runEvaluation(config: Config, settings: EvaluationSettings): Promise<EvalReport> {
  const workspace = await mkdtemp(join(tmpdir(), 'ddx-eval-'));
  const isolated: Config = {
    ...config,
    blobStore: { kind: 'fs', root: join(workspace, 'blobs') },
    resultStore: { kind: 'sqlite', path: join(workspace, 'results.db') },
    events: { ...config.events, webhook: null, eventBridge: null, fhirPush: null, dicomSrArchive: false },
  };
  const deps = await composeDependencies(isolated);
  try {
    const malignantLabels = deps.assessment.thresholds.malignancyRule.labels;
    const knownLabels = new Set(
      [...deps.routingTable.models.values()].flatMap((model) =>
        model.card.task === 'classification' ? model.card.labels : [],
      ),
    );
    const labelMap = settings.labelMap ?? identityLabelMap(malignantLabels, knownLabels);
    const batch = await runBatch(
      settings.folder,
      settings.rows.map((row) => row.file),
      deps,
      {
        concurrency: settings.concurrency,
        inputPrefix: config.inputPrefix,
        requestId: settings.requestId,
        ...(settings.metadataPath && { defaultMetadataPath: settings.metadataPath }),
      },
    );
    const items: EvalItem[] = settings.rows.map((row, index) =>
      evalItemOf(row, batch[index]?.record, labelMap, malignantLabels),
    );
    const metrics = computeMetrics(items, malignantLabels);
    metrics.headline.dangerousMisses = metrics.dangerousMisses.length;
    const models = [...deps.routingTable.models.values()].map(
      (model) => `${model.card.id} ${model.card.version} (${model.card.status})`,
    );
    return {
      folder: settings.folder,
      metadataFile: settings.metadataPath ?? null,
      createdAt: (settings.now?.() ?? new Date()).toISOString(),
      models,
      thresholdsVersion: deps.assessment.thresholds.version,
      metrics,
      doneWhen: doneWhenChecks(items, malignantLabels),
      items,
    };
  } finally {
    await deps.close();
    await rm(workspace, { recursive: true, force: true });
  }
}

export async function writeReport(
  report: EvalReport,
  directory: string,
): Promise<{ json: string; html: string }> {
  await mkdir(directory, { recursive: true });
  const json = join(directory, 'report.json');
  const html = join(directory, 'report.html');
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(html, reportHtml(report));
  return { json, html };
}
