/**
 * Step 6, second half: billing suggestions. ICD-10-CM codes come from the recommendations' likely
 * differentials (knowledge base first: curated and site-specific; then the LLM's) and from the
 * classifier card's label mapping, each checked against the code table. CPT codes come only from
 * a user-supplied mapping.
 */
import { type CodeCandidate, checkBillingCodes } from '../clinical/billing-codes.js';
import type { CptMapping } from '../clinical/cpt-mapping.js';
import type { Icd10CmTable } from '../clinical/icd10cm-table.js';
import type { ClassificationCard } from '../models/model-card.js';
import type { Billing, BillingSuggestion, Classification, RecommendationRecord } from '../record.js';

/** Findings below this probability document nothing billable. */
const minimumFindingProbability = 0.25;

export interface BillingInputs {
  classification: Classification;
  card: ClassificationCard;
  /** Most trusted first. */
  recommendations: readonly RecommendationRecord[];
  codeTable: Icd10CmTable;
  cptMapping: CptMapping | null;
}

export function suggestBilling(inputs: BillingInputs): Billing {
  const { classification, card } = inputs;
  const likelyFindings = classification.labels.filter(
    (finding) => finding.probability >= minimumFindingProbability,
  );
  const candidates: CodeCandidate[] = [];
  for (const recommendation of inputs.recommendations) {
    for (const differential of recommendation.differentials) {
      if (differential.likelihood === 'low') continue;
      for (const code of differential.icd10cm) {
        candidates.push({
          code,
          source: recommendation.provider,
          reason: `${differential.likelihood}-likelihood differential: ${differential.condition}`,
        });
      }
    }
  }
  for (const finding of likelyFindings) {
    for (const code of card.icd10cm[finding.label] ?? []) {
      candidates.push({
        code,
        source: `model-card:${card.id}`,
        reason: `classifier finding: ${finding.label} (${Math.round(finding.probability * 100)}%)`,
      });
    }
  }
  const billing = checkBillingCodes(candidates, inputs.codeTable);
  return {
    ...billing,
    suggestions: [...billing.suggestions, ...cptSuggestions(likelyFindings, inputs.cptMapping)],
    cptMappingVersion: inputs.cptMapping?.version ?? null,
  };
}

function cptSuggestions(findings: Classification['labels'], mapping: CptMapping | null): BillingSuggestion[] {
  if (!mapping) return [];
  const seen = new Set<string>();
  return findings.flatMap((finding) =>
    (mapping.labels[finding.label] ?? [])
      .filter((entry) => !seen.has(entry.code) && seen.add(entry.code))
      .map((entry) => ({
        system: 'CPT' as const,
        code: entry.code,
        description: entry.description,
        billable: true,
        sources: [`cpt-mapping:${mapping.version}`],
        reason: `procedure mapped to the finding ${finding.label} by the practice's CPT mapping`,
      })),
  );
}
