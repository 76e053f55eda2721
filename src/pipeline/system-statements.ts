/**
 * The statements the system makes about a record (issue 10 item 5): why the answer is weak (the
 * assessment's reasons) and what kind of model made it (a demo model). They are facts of the
 * pipeline, not opinions of a recommender, so no recommender may drop or soften them.
 */
import type { Assessment, Classification, RecommendationRecord } from '../record.js';

export function systemStatements(assessment: Assessment, classification: Classification): string[] {
  const statements = assessment.reasons.map((reason) => reason.message);
  if (assessment.action) statements.push(assessment.action);
  if (classification.modelNotice) statements.push(classification.modelNotice);
  return statements;
}

/**
 * The recommendation with the system's statements kept: they lead `uncertainty`, and what the
 * recommender said follows when it adds something. The knowledge base's own uncertainty
 * statement repeats the assessment with the prompt's thresholds, so the assessment's stands for it.
 */
export function keepSystemStatements(
  recommendation: Omit<RecommendationRecord, 'systemStatements'>,
  statements: readonly string[],
): RecommendationRecord {
  const addition =
    recommendation.provider === 'knowledge-base' && statements.length > 0 ? null : recommendation.uncertainty;
  const parts = [...statements, ...(addition && !statements.includes(addition) ? [addition] : [])];
  return {
    ...recommendation,
    systemStatements: [...statements],
    uncertainty: parts.length > 0 ? parts.join(' ') : null,
  };
}
