/**
 * The one-paragraph conclusion every output format states for a record (FHIR `conclusion`, the
 * PDF's summary, the SR's summary text): what was found, how far it can be trusted, what the
 * clinician decided, and that it is decision support. Weak or out-of-scope answers say so.
 */
import { type Assessment, labelDisplay, percent, type ReportableRecord } from './reportable-record.js';

export const decisionSupportDisclaimer =
  'Decision support for review by a qualified clinician, not a diagnosis. It does not replace clinical examination or histology.';

/** Whether the record has findings the outputs may report (not failed, not out of scope). */
export function reportsFindings(record: ReportableRecord): boolean {
  return (
    record.status !== 'failed' &&
    record.classification !== null &&
    record.classification.labels.length > 0 &&
    record.assessment?.verdict !== 'out-of-scope'
  );
}

function assessmentSentence(assessment: Assessment | null | undefined): string {
  if (!assessment) return 'The result was not assessed: how far it can be trusted was not judged.';
  const reasons = assessment.reasons.map((reason) => reason.message).join('; ');
  return `Assessment: ${assessment.verdict}${reasons ? ` (${reasons})` : ''}.`;
}

function reviewSentence(record: ReportableRecord): string {
  const review = record.review;
  if (!review || review.state === 'preliminary') return 'Not yet reviewed by a clinician (preliminary).';
  if (review.state === 'rejected') {
    return `Rejected at clinician review${review.comment ? `: ${review.comment}` : ''}.`;
  }
  return `Clinician review (final)${review.diagnosis ? `: ${review.diagnosis}` : ''}.`;
}

export function conclusionText(record: ReportableRecord): string {
  const parts: string[] = [];
  if (record.status === 'failed') {
    const error = record.error;
    parts.push(
      error
        ? `No result: the analysis failed at step ${error.step} (${error.code}): ${error.message}`
        : 'No result: the analysis failed.',
    );
  } else if (record.assessment?.verdict === 'out-of-scope') {
    parts.push('Out of scope: the models cannot judge this image, so no finding is reported.');
    parts.push(assessmentSentence(record.assessment));
  } else if (record.classification && record.classification.labels.length > 0) {
    const { classification } = record;
    const [top] = classification.labels;
    const calibrated = classification.calibration ? 'calibrated' : 'not calibrated';
    if (top) {
      parts.push(
        `Most likely finding: ${labelDisplay(top.label)} (${percent(top.probability)}, ${calibrated}) from ${classification.model.id} ${classification.model.version}${classification.model.status === 'validated' ? '' : ', a model not validated for clinical use'}.`,
      );
    }
    if (record.localization && !record.localization.roi) {
      parts.push('No lesion was detected: the whole image was classified.');
    }
    parts.push(assessmentSentence(record.assessment));
  } else {
    parts.push('No classification was made.');
  }
  parts.push(reviewSentence(record));
  parts.push(decisionSupportDisclaimer);
  return parts.join(' ');
}
