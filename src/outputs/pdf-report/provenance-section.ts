/** Where the result came from (models and their status in words, prompt, provider) and the review. */
import { modelStatusText } from '../fhir/model-device.js';
import { heading, type Layout, list, paragraph } from './layout.js';

export function drawProvenance(layout: Layout): void {
  const { record } = layout;
  heading(layout, 'Provenance');
  const lines: string[] = [];
  if (record.route) lines.push(`Route ${record.route.name}: ${record.route.reason}`);
  if (record.localization) {
    const { detector } = record.localization;
    lines.push(`Detector ${detector.id} ${detector.version}: ${modelStatusText(detector)}`);
  }
  if (record.classification) {
    const { model } = record.classification;
    lines.push(`Classifier ${model.id} ${model.version}: ${modelStatusText(model)}`);
  }
  if (record.recommendation) {
    const { provider, model, prompt } = record.recommendation;
    lines.push(
      `Recommendations by ${provider} (${model}), prompt ${prompt.name} v${prompt.version}${prompt.isFallback ? ' (bundled fallback)' : ''}`,
    );
  }
  if (record.image)
    lines.push(
      `Image ${record.image.format} ${record.image.width}x${record.image.height}, sha256 ${record.inputSha256 ?? 'unknown'}`,
    );
  if (record.error) lines.push(`Error at ${record.error.step}: ${record.error.code}`);
  list(layout, 'This result', lines);
  const review = record.review;
  heading(layout, 'Clinician review');
  if (!review || review.state === 'preliminary') {
    paragraph(layout, 'Not yet reviewed. This report is preliminary until a clinician reviews it.');
    return;
  }
  paragraph(
    layout,
    `${review.state === 'final' ? 'Final' : 'Rejected'}: ${review.reviewer}, ${review.at.replace('T', ' ').slice(0, 16)} UTC`,
    { bold: true },
  );
  if (review.diagnosis) paragraph(layout, `Diagnosis: ${review.diagnosis}`);
  if (review.codes.length > 0) paragraph(layout, `Codes: ${review.codes.join(', ')}`);
  if (review.comment) paragraph(layout, `Comment: ${review.comment}`);
}
