/**
 * report.html: the evaluation as one self-contained page (inline CSS and SVG, no scripts, nothing
 * fetched), so it can be attached to a model's promotion review and opened anywhere.
 */
import type { EvalReport } from './eval-report.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
const shown = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined ? '–' : `${(value * 100).toFixed(digits)}%`;

export function reportHtml(report: EvalReport): string {
  const { metrics } = report;
  const h = metrics.headline;
  const rows = (pairs: [string, string][]) =>
    pairs
      .map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`)
      .join('');
  const checks = report.doneWhen
    .map(
      (check) =>
        `<tr class="${check.met ? 'met' : 'unmet'}"><th>${escapeHtml(check.name)}</th><td>${escapeHtml(check.value)}</td><td>${escapeHtml(check.target)}</td><td>${check.met ? 'met' : 'NOT met'}</td></tr>`,
    )
    .join('');
  const confusion = metrics.confusion;
  const confusionTable = `<table><tr><th>label \\ top-1</th>${confusion.predicted.map((label) => `<th>${escapeHtml(label)}</th>`).join('')}</tr>${confusion.labels
    .map(
      (label, row) =>
        `<tr><th>${escapeHtml(label)}</th>${(confusion.counts[row] ?? []).map((count) => `<td>${count}</td>`).join('')}</tr>`,
    )
    .join('')}</table>`;
  const breakdowns = Object.entries(metrics.breakdowns)
    .map(
      ([column, values]) =>
        `<h3>by ${escapeHtml(column)}</h3><table><tr><th>${escapeHtml(column)}</th><th>images</th><th>confident</th><th>out of scope</th><th>accuracy (all)</th><th>accuracy (confident)</th><th>confident and wrong</th></tr>${Object.entries(
          values,
        )
          .map(
            ([value, figures]) =>
              `<tr><th>${escapeHtml(value || '(empty)')}</th><td>${figures.images}</td><td>${shown(figures.confidentShare)}</td><td>${shown(figures.outOfScopeShare)}</td><td>${shown(figures.accuracyAll)}</td><td>${shown(figures.accuracyConfident)}</td><td>${shown(figures.confidentAndWrongShare)}</td></tr>`,
          )
          .join('')}</table>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ddx eval: ${escapeHtml(report.folder)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left}tr.unmet td:last-child{color:#b00;font-weight:bold}
tr.met td:last-child{color:#070}svg{background:#fafafa;border:1px solid #ddd;margin-right:1em}</style></head><body>
<h1>ddx eval</h1>
<p>${escapeHtml(report.folder)}: ${h.images} images, ${escapeHtml(report.createdAt)}. Models: ${escapeHtml(report.models.join(', '))}.${report.metadataFile ? ` Metadata for images without their own: ${escapeHtml(report.metadataFile)}.` : ''} Thresholds: ${escapeHtml(report.thresholdsVersion)}.</p>
<h2>Checks</h2><table><tr><th>figure</th><th>value</th><th>target</th><th></th></tr>${checks}</table>
<h2>Headline</h2><table>${rows([
    ['confident', shown(h.confidentShare)],
    ['uncertain', shown(h.uncertainShare)],
    ['out of scope', shown(h.outOfScopeShare)],
    ['out of scope or refused', shown(h.refusedShare)],
    ['confident and wrong (of all images)', shown(h.confidentAndWrongShare)],
    ['wrong answers not confident', shown(h.wrongNotConfidentShare)],
    ['accuracy, all answers', shown(h.accuracyAll)],
    ['accuracy, confident answers', shown(h.accuracyConfident)],
    ['dangerous misses (malignant called benign, confident)', String(metrics.dangerousMisses.length)],
    ['ROI recall at IoU 0.5', `${shown(metrics.roiRecallIoU50)} of ${metrics.roiImages}`],
    ['top-1 / top-3 (mapped labels)', `${shown(metrics.top1)} / ${shown(metrics.top3)}`],
    [
      'malignant: top label malignant / not dismissed',
      `${shown(metrics.malignantVsBenign.sensitivity)} / ${shown(metrics.malignantVsBenign.notDismissed)} of ${metrics.malignantVsBenign.malignantImages}`,
    ],
    ['ECE calibrated / raw', `${shown(metrics.calibration.ece)} / ${shown(metrics.calibration.rawEce)}`],
    [
      'latency p50 / p90 / p99 (ms)',
      [metrics.latencyMs.p50, metrics.latencyMs.p90, metrics.latencyMs.p99]
        .map((value) => (value === null ? '–' : Math.round(value)))
        .join(' / '),
    ],
  ])}</table>
<h2>Plots</h2>${reliabilitySvg(report)}${coverageSvg(report)}
<h2>Per class</h2><table><tr><th>label</th><th>images</th><th>sensitivity</th><th>specificity</th></tr>${Object.entries(
    metrics.perClass,
  )
    .map(
      ([label, figures]) =>
        `<tr><th>${escapeHtml(label)}</th><td>${figures.images}</td><td>${shown(figures.sensitivity)}</td><td>${shown(figures.specificity)}</td></tr>`,
    )
    .join('')}</table>
<h2>Confusion matrix</h2>${confusionTable}
<h2>Assessment reasons</h2><table>${rows(Object.entries(metrics.reasons).map(([code, count]) => [code, String(count)]))}</table>
<h2>Dangerous misses</h2><table>${metrics.dangerousMisses.map((miss) => `<tr><td>${escapeHtml(miss.file)}</td><td>${escapeHtml(miss.dx)}</td><td>${escapeHtml(miss.predicted)} ${shown(miss.probability, 0)}</td></tr>`).join('') || '<tr><td>none</td></tr>'}</table>
<h2>Breakdowns</h2>${breakdowns || '<p>no metadata columns</p>'}
</body></html>
`;
}

const size = 300;
const pad = 36;
const scale = (value: number) => pad + value * (size - 2 * pad);
const flip = (value: number) => size - scale(value);

function axes(title: string, x: string, y: string): string {
  return `<text x="${size / 2}" y="16" text-anchor="middle" font-size="13">${escapeHtml(title)}</text>
<line x1="${pad}" y1="${flip(0)}" x2="${scale(1)}" y2="${flip(0)}" stroke="#333"/><line x1="${pad}" y1="${flip(0)}" x2="${pad}" y2="${flip(1)}" stroke="#333"/>
<text x="${size / 2}" y="${size - 6}" text-anchor="middle" font-size="11">${escapeHtml(x)}</text>
<text x="10" y="${size / 2}" font-size="11" transform="rotate(-90 10 ${size / 2})" text-anchor="middle">${escapeHtml(y)}</text>`;
}

function reliabilitySvg(report: EvalReport): string {
  const bars = report.metrics.calibration.bins
    .filter((bin) => bin.images > 0)
    .map((bin) => {
      const width = scale(bin.to) - scale(bin.from) - 2;
      return `<rect x="${scale(bin.from) + 1}" y="${flip(bin.accuracy)}" width="${width}" height="${flip(0) - flip(bin.accuracy)}" fill="#4a7fb5"><title>${bin.images} images, confidence ${shown(bin.confidence)}, accuracy ${shown(bin.accuracy)}</title></rect>`;
    })
    .join('');
  return `<svg width="${size}" height="${size}" role="img" aria-label="reliability diagram">${axes('Reliability (calibrated top-1)', 'confidence', 'accuracy')}${bars}
<line x1="${scale(0)}" y1="${flip(0)}" x2="${scale(1)}" y2="${flip(1)}" stroke="#b00" stroke-dasharray="4"/></svg>`;
}

function coverageSvg(report: EvalReport): string {
  const { curve, assessment } = report.metrics.selective;
  const points = curve.map((point) => `${scale(point.coverage)},${flip(point.accuracy)}`).join(' ');
  const marker = assessment
    ? `<circle cx="${scale(assessment.coverage)}" cy="${flip(assessment.accuracy)}" r="5" fill="#b00"><title>confident: coverage ${shown(assessment.coverage)}, accuracy ${shown(assessment.accuracy)}</title></circle>`
    : '';
  return `<svg width="${size}" height="${size}" role="img" aria-label="coverage and selective accuracy">${axes('Selective accuracy (red: confident)', 'coverage', 'accuracy')}
<polyline points="${points}" fill="none" stroke="#4a7fb5" stroke-width="2"/>${marker}</svg>`;
}
