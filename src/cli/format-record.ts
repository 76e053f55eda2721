/**
 * The CLI's readable summary of a record: what was found, what is suggested, how long it took.
 */
import type { InferenceRecord, RecommendationRecord } from '../record.js';

/** One decimal, never "100.0%" or "0.0%": a saturated softmax is not certainty. */
const percent = (value: number) =>
  value > 0.999 ? '>99.9%' : value < 0.001 ? '<0.1%' : `${(value * 100).toFixed(1)}%`;
const bar = (value: number) => '█'.repeat(Math.round(value * 20));

export function formatRecordSummary(record: InferenceRecord, reused: boolean): string {
  const lines: string[] = [];
  const add = (label: string, value: string) => lines.push(`  ${label.padEnd(12)}${value}`);
  const heading = (title: string) => lines.push('', `  ${title}`);

  lines.push(
    `${record.id}  ${record.status.toUpperCase()}${reused ? '  (already processed: stored record shown)' : ''}`,
  );
  add('source', `${record.source.bucket}/${record.source.key}`);
  if (record.image) {
    const { format, width, height, bytes } = record.image;
    add(
      'image',
      `${format} ${width}x${height}, ${(bytes / 1024).toFixed(0)} KiB, sha256 ${record.inputSha256?.slice(0, 12)}…`,
    );
  }
  if (record.context) {
    const { extent, bodySite, age, sex, specialty, durationDays, imageType } = record.context;
    const parts = [
      extent,
      imageType,
      bodySite,
      age && `${age} y`,
      sex,
      specialty,
      durationDays !== null && `${durationDays} days`,
    ];
    add('context', parts.filter(Boolean).join(' · '));
    if (record.context.notesRedactions && Object.keys(record.context.notesRedactions).length > 0) {
      const removed = Object.entries(record.context.notesRedactions).map(
        ([kind, count]) => `${count} ${kind}`,
      );
      add('notes', `identifiers removed before any model saw them: ${removed.join(', ')}`);
    }
  }
  if (record.route) add('route', `${record.route.name} (${record.route.reason})`);
  if (record.localization) {
    const { roi, cropKey, note, detector } = record.localization;
    if (roi) {
      const { x, y, width, height } = roi.box;
      add(
        'ROI',
        `${roi.label} ${percent(roi.confidence)} at x=${x} y=${y} w=${width} h=${height} (${detector.id} ${detector.version})`,
      );
      add('crop', cropKey ?? '-');
    } else {
      add('ROI', note);
    }
  }
  const assessment = record.assessment;
  if (record.classification) {
    const { model, input, labels, calibration, modelNotice } = record.classification;
    add('findings', `${model.id} ${model.version} on the ${input === 'crop' ? 'crop' : 'whole image'}`);
    // Said next to the finding, not in a footer: a demo model's output is not clinical evidence.
    if (modelNotice) add('', `! ${modelNotice}`);
    if (assessment?.verdict === 'out-of-scope') {
      add('', 'no ranking shown: the image is out of scope for these models (see the assessment)');
    } else {
      const scale = calibration
        ? `calibrated (T=${calibration.temperature}), raw in brackets`
        : 'not calibrated';
      add('', scale);
      for (const { label, probability, rawProbability } of labels.slice(0, 5)) {
        const raw = calibration ? ` (${percent(rawProbability)})` : '';
        lines.push(
          `  ${''.padEnd(12)}${label.padEnd(30)}${percent(probability).padStart(7)}${raw.padEnd(calibration ? 9 : 0)}  ${bar(probability)}`,
        );
      }
    }
  }
  if (assessment) {
    heading(`Assessment: ${assessment.verdict.toUpperCase()}`);
    for (const reason of assessment.reasons) lines.push(`    - ${reason.code}: ${reason.message}`);
    if (assessment.action) lines.push(`    What to do: ${assessment.action}`);
  }
  const recommendation = record.recommendation;
  if (recommendation) {
    heading(`Differential diagnoses (${describeRecommender(recommendation)})`);
    for (const [index, item] of recommendation.differentials.entries()) {
      lines.push(`    ${index + 1}. ${item.condition} [${item.likelihood}] ${item.rationale}`);
    }
    heading('Follow-up tests');
    for (const item of recommendation.followUpTests) lines.push(`    - ${item.test}: ${item.rationale}`);
    heading('Treatment considerations');
    for (const item of recommendation.treatmentConsiderations)
      lines.push(`    - ${item.consideration}: ${item.rationale}`);
    heading('Red flags (urgent referral)');
    for (const item of recommendation.redFlags) lines.push(`    - ${item.flag}: ${item.rationale}`);
    if (recommendation.uncertainty) {
      heading('Uncertainty');
      lines.push(`    ${recommendation.uncertainty}`);
    }
  }
  if (record.billing) {
    heading(`ICD-10-CM suggestions (checked against ${record.billing.codeTableVersion})`);
    for (const item of record.billing.suggestions) {
      lines.push(
        `    ${item.code.padEnd(8)} ${item.description}${item.billable ? '' : ' (not billable: complete the code)'}  [${item.sources.join(', ')}]`,
      );
    }
    if (record.billing.basis) lines.push(`    (${record.billing.basis})`);
    const reference = record.billing.reference ?? [];
    if (reference.length > 0) {
      lines.push('    for reference, not for billing:');
      for (const item of reference)
        lines.push(`    ${item.code.padEnd(8)} ${item.description}  [${item.sources.join(', ')}]`);
    }
    for (const item of record.billing.dropped)
      lines.push(`    dropped ${item.code} from ${item.source}: ${item.reason}`);
  }
  if (record.error) {
    heading(record.status === 'degraded' ? 'Degraded' : 'Error');
    lines.push(
      `    ${record.error.code} in ${record.error.step}: ${record.error.message}${record.error.retriable ? ' (retriable)' : ''}`,
    );
  }
  heading('Timings (ms)');
  lines.push(`    ${formatTimings(record.timings)}`);
  if (recommendation) lines.push('', `  ${recommendation.disclaimer}`);
  return lines.join('\n');
}

export function formatTimings(timings: Record<string, number>): string {
  return Object.entries(timings)
    .map(([step, milliseconds]) => `${step} ${milliseconds.toFixed(1)}`)
    .join(' · ');
}

function describeRecommender(recommendation: RecommendationRecord): string {
  const { prompt, usage, latencyMs } = recommendation;
  const parts = [
    `${recommendation.provider} ${recommendation.model}`,
    `prompt ${prompt.name} v${prompt.version}${prompt.label ? ` (${prompt.label})` : ''}${prompt.isFallback ? ' bundled fallback' : ''}`,
  ];
  if (usage) parts.push(`${usage.inputTokens}+${usage.outputTokens} tokens`);
  if (latencyMs !== null) parts.push(`${Math.round(latencyMs)} ms`);
  return parts.join(', ');
}
