/**
 * The top of a record page: how far the result can be trusted (the assessment verdict and its
 * reasons), or why there is no result. An absent assessment is said, never guessed.
 */
import type { ReportableRecord } from '../../../outputs/reportable-record.js';
import { verdictWords } from '../view-format.js';

export function AssessmentBanner({ record }: { record: ReportableRecord }) {
  if (record.status === 'failed') {
    const error = record.error;
    return (
      <section class="verdict verdict-failed" aria-label="Result">
        <h2>No result: the analysis failed</h2>
        {error ? (
          <p>
            At step <code>{error.step}</code> (<code>{error.code}</code>): {error.message}
            {error.retriable
              ? ' Another attempt may succeed.'
              : ' Another attempt with the same upload will fail the same way.'}
          </p>
        ) : (
          <p>The record names no error.</p>
        )}
      </section>
    );
  }
  const assessment = record.assessment;
  if (!assessment) {
    return (
      <section class="verdict verdict-unassessed" aria-label="Assessment">
        <h2>Not assessed</h2>
        <p>How far this result can be trusted was not judged: treat it as unchecked.</p>
      </section>
    );
  }
  const words = verdictWords[assessment.verdict];
  const scores = Object.entries(assessment.scores);
  // What to do next (retake, refer), when the assessment says.
  const action = (assessment as { action?: unknown }).action;
  return (
    <section
      class={`verdict verdict-${assessment.verdict}`}
      aria-label="Assessment"
      data-verdict={assessment.verdict}
    >
      <h2>Assessment: {words.title}</h2>
      <p>{words.meaning}</p>
      {assessment.reasons.length > 0 && (
        <ul class="reasons">
          {assessment.reasons.map((reason) => (
            <li data-reason={reason.code}>
              <code>{reason.code}</code>: {reason.message}
            </li>
          ))}
        </ul>
      )}
      {typeof action === 'string' && action !== '' && (
        <p>
          <strong>Next:</strong> {action}
        </p>
      )}
      {scores.length > 0 && (
        <p class="muted">
          Scores:{' '}
          {scores.map(
            ([name, value], index) => `${index > 0 ? ', ' : ''}${name} ${Number(value.toFixed(3))}`,
          )}
        </p>
      )}
    </section>
  );
}
