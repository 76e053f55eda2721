/**
 * Step 6, second half: billing suggestions under the ICD-10-CM Official Guidelines for outpatient
 * encounters (Section IV.H), each code checked against the code table:
 *
 * - `confident`: the top finding is coded (the knowledge base's site-specific code first, then
 *   the classifier card's mapping);
 * - `uncertain`: a suspected diagnosis is not coded: the sign is (sign-symptom-codes.ts);
 * - every differential's codes are listed in `reference`, "for reference, not for billing";
 * - an LLM's code for a condition that is neither a finding nor a differential of the knowledge
 *   base is dropped with that reason, as is any code outside the table.
 *
 * CPT codes come only from a user-supplied mapping, for a confident top finding.
 */
import { type CodeCandidate, checkBillingCodes } from '../clinical/billing-codes.js';
import type { CptMapping } from '../clinical/cpt-mapping.js';
import type { Icd10CmTable } from '../clinical/icd10cm-table.js';
import { type PresentationExtent, signSymptomCodes } from '../clinical/sign-symptom-codes.js';
import type { Differential } from '../domain.js';
import type { ClassificationCard } from '../models/model-card.js';
import type {
  Assessment,
  Billing,
  BillingSuggestion,
  Classification,
  RecommendationRecord,
} from '../record.js';

/** Findings below this probability document nothing, not even for reference. */
const minimumFindingProbability = 0.25;
const forReference = 'for reference, not for billing';

export interface BillingInputs {
  classification: Classification;
  card: ClassificationCard;
  assessment: Assessment;
  /** What was photographed: a lesion or a widespread eruption (for the sign code). */
  extent: PresentationExtent;
  /** Most trusted first: the knowledge base's answer, then an LLM's. */
  recommendations: readonly RecommendationRecord[];
  codeTable: Icd10CmTable;
  cptMapping: CptMapping | null;
}

export function suggestBilling(inputs: BillingInputs): Billing {
  const { classification, card, assessment } = inputs;
  const [top] = classification.labels;
  const confident = assessment.verdict === 'confident' && top !== undefined;
  const knowledgeBase = inputs.recommendations.find((item) => item.provider === 'knowledge-base');
  const known = knownConditions(classification, knowledgeBase);
  const findingCodes = new Set(
    classification.labels.flatMap((finding) => card.icd10cm[finding.label] ?? []).map(category),
  );
  for (const code of knowledgeBase?.differentials.flatMap((item) => item.icd10cm) ?? []) {
    findingCodes.add(category(code));
  }

  const billed: CodeCandidate[] = [];
  const referenced: CodeCandidate[] = [];
  const unsupported: Billing['dropped'] = [];
  if (confident) {
    // The knowledge base lists the top finding first, with its site-specific code.
    for (const code of knowledgeBase?.differentials[0]?.icd10cm ?? []) {
      billed.push({ code, source: 'knowledge-base', reason: `confident top finding: ${top.label}` });
    }
    for (const code of card.icd10cm[top.label] ?? []) {
      billed.push({
        code,
        source: `model-card:${card.id}`,
        reason: `confident top finding: ${top.label} (${Math.round(top.probability * 100)}%)`,
      });
    }
  } else {
    const sign = signSymptomCodes[inputs.extent];
    billed.push({
      code: sign.code,
      source: 'section-IV.H',
      reason: `the findings are ${assessment.verdict}, so no suspected diagnosis is coded (ICD-10-CM Section IV.H): the sign is, ${sign.finding}`,
    });
  }
  for (const recommendation of inputs.recommendations) {
    const fromLanguageModel = recommendation.provider !== 'knowledge-base';
    for (const differential of recommendation.differentials) {
      for (const code of differential.icd10cm) {
        if (fromLanguageModel && !isAmongFindings(differential, code, known, findingCodes)) {
          unsupported.push({
            code,
            source: recommendation.provider,
            reason: `the LLM coded "${differential.condition}", which is neither a finding of the classifier nor a differential of the knowledge base`,
          });
          continue;
        }
        referenced.push({
          code,
          source: recommendation.provider,
          reason: `${forReference}: ${differential.likelihood}-likelihood differential ${differential.condition}`,
        });
      }
    }
  }
  for (const finding of classification.labels.filter(
    (item) => item.probability >= minimumFindingProbability,
  )) {
    for (const code of card.icd10cm[finding.label] ?? []) {
      referenced.push({
        code,
        source: `model-card:${card.id}`,
        reason: `${forReference}: classifier finding ${finding.label} (${Math.round(finding.probability * 100)}%)`,
      });
    }
  }

  const suggestions = checkBillingCodes(billed, inputs.codeTable);
  const billedCategories = new Set(suggestions.suggestions.map((item) => category(item.code)));
  const reference = checkBillingCodes(referenced, inputs.codeTable);
  return {
    suggestions: [
      ...suggestions.suggestions,
      ...(confident ? cptSuggestions(top.label, inputs.cptMapping) : []),
    ],
    reference: reference.suggestions.filter((item) => !billedCategories.has(category(item.code))),
    dropped: [...suggestions.dropped, ...reference.dropped, ...unsupported],
    codeTableVersion: inputs.codeTable.version,
    cptMappingVersion: inputs.cptMapping?.version ?? null,
    basis: confident
      ? `confident: the top finding ${top.label} is coded (ICD-10-CM Section IV.H)`
      : `${assessment.verdict}: the sign is coded, not a suspected diagnosis (ICD-10-CM Section IV.H)`,
  };
}

const category = (code: string) => code.trim().toUpperCase().replace('.', '').slice(0, 3);
const normalise = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** The conditions a code may document: the classifier's labels and the knowledge base's differentials. */
function knownConditions(classification: Classification, knowledgeBase: RecommendationRecord | undefined) {
  const names = new Set(classification.labels.map((finding) => normalise(finding.label)));
  for (const differential of knowledgeBase?.differentials ?? []) names.add(normalise(differential.condition));
  return names;
}

/** Named like a finding or a differential, or coded in the same category as one. */
function isAmongFindings(
  differential: Differential,
  code: string,
  known: ReadonlySet<string>,
  findingCodes: ReadonlySet<string>,
): boolean {
  const condition = normalise(differential.condition);
  if (known.has(condition)) return true;
  if ([...known].some((name) => name.length > 3 && (condition.includes(name) || name.includes(condition)))) {
    return true;
  }
  return findingCodes.has(category(code));
}

function cptSuggestions(label: string, mapping: CptMapping | null): BillingSuggestion[] {
  if (!mapping) return [];
  const seen = new Set<string>();
  return (mapping.labels[label] ?? [])
    .filter((entry) => !seen.has(entry.code) && seen.add(entry.code))
    .map((entry) => ({
      system: 'CPT' as const,
      code: entry.code,
      description: entry.description,
      billable: true,
      sources: [`cpt-mapping:${mapping.version}`],
      reason: `procedure mapped to the confident finding ${label} by the practice's CPT mapping`,
    }));
}
