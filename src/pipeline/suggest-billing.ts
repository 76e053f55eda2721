/**
 * Step 6, second half: ICD-10-CM suggestions from the recommendation's likely differentials and
 * from the classifier card's label mapping, each checked against the code table.
 */
import { type CodeCandidate, checkBillingCodes } from '../clinical/billing-codes.js';
import type { Icd10CmTable } from '../clinical/icd10cm-table.js';
import type { ClassificationCard } from '../models/model-card.js';
import type { Billing, Classification, RecommendationRecord } from '../record.js';

/** Findings below this probability document nothing billable. */
const minimumFindingProbability = 0.25;

export function suggestBilling(
  classification: Classification,
  card: ClassificationCard,
  recommendation: RecommendationRecord | null,
  codeTable: Icd10CmTable,
): Billing {
  const candidates: CodeCandidate[] = [];
  // The recommender's codes first: they can be site-specific, the card's never are.
  for (const differential of recommendation?.differentials ?? []) {
    if (differential.likelihood === 'low') continue;
    for (const code of differential.icd10cm) {
      candidates.push({
        code,
        source: recommendation?.provider ?? 'recommender',
        reason: `${differential.likelihood}-likelihood differential: ${differential.condition}`,
      });
    }
  }
  for (const finding of classification.labels) {
    if (finding.probability < minimumFindingProbability) continue;
    for (const code of card.icd10cm[finding.label] ?? []) {
      candidates.push({
        code,
        source: `model-card:${card.id}`,
        reason: `classifier finding: ${finding.label} (${Math.round(finding.probability * 100)}%)`,
      });
    }
  }
  return checkBillingCodes(candidates, codeTable);
}
