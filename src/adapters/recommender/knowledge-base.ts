/**
 * The offline, deterministic recommender: turns ranked classifier labels into recommendations from
 * the curated knowledge base, with no LLM. Thresholds come from the prompt's `config`, so the LLM
 * recommenders and this one judge "uncertain" the same way.
 */
import { z } from 'zod';
import { bodyRegionOf, codesFor, type KnowledgeBase } from '../../clinical/knowledge-base.js';
import type {
  Differential,
  LabelScore,
  Likelihood,
  Recommendation,
  RecommendationRequest,
} from '../../domain.js';
import { percent } from '../../outputs/reportable-record.js';
import type { RecommendationResult, Recommender } from '../../ports.js';

export const decisionThresholdsSchema = z.object({
  lowConfidenceThreshold: z.number().min(0).max(1).default(0.5),
  closeCallMargin: z.number().min(0).max(1).default(0.15),
  minDifferentialProbability: z.number().min(0).max(1).default(0.05),
  maxDifferentials: z.number().int().min(1).max(20).default(5),
});
export type DecisionThresholds = z.infer<typeof decisionThresholdsSchema>;

export const decisionSupportDisclaimer =
  'Decision support for clinician review only: generated from image-model findings and a curated knowledge base; it is not a diagnosis.';

export function likelihoodOf(probability: number): Likelihood {
  if (probability >= 0.6) return 'high';
  if (probability >= 0.25) return 'moderate';
  return 'low';
}

export function createKnowledgeBaseRecommender(knowledgeBase: KnowledgeBase): Recommender {
  return {
    name: 'knowledge-base',
    async recommend(request: RecommendationRequest): Promise<RecommendationResult> {
      return {
        recommendation: recommendFromKnowledge(knowledgeBase, request),
        provider: 'knowledge-base',
        model: `ddx-knowledge-base@${knowledgeBase.version}`,
      };
    },
  };
}

export function recommendFromKnowledge(
  knowledgeBase: KnowledgeBase,
  request: RecommendationRequest,
): Recommendation {
  const thresholds = decisionThresholdsSchema.parse(request.prompt.config);
  const { findings } = request;
  const region = bodyRegionOf(knowledgeBase, request.context.bodySite);
  const plausible = findings.labels.filter(
    (score) => score.probability >= thresholds.minDifferentialProbability,
  );
  const [top, second] = findings.labels;
  const closeCall =
    top !== undefined &&
    second !== undefined &&
    top.probability - second.probability < thresholds.closeCallMargin;
  const leading = closeCall && second ? [top, second] : top ? [top] : [];
  const known = (score: LabelScore | undefined) =>
    score ? knowledgeBase.conditions[score.label] : undefined;

  const seen = new Set<string>();
  const differentials: Differential[] = [];
  const addDifferential = (differential: Differential) => {
    const key = differential.condition.toLowerCase();
    if (seen.has(key) || differentials.length >= thresholds.maxDifferentials) return;
    seen.add(key);
    differentials.push(differential);
  };
  const where = findings.input === 'crop' ? 'the detected lesion' : 'the whole image';
  for (const score of plausible) {
    const condition = known(score);
    addDifferential({
      condition: condition?.name ?? score.label,
      likelihood: likelihoodOf(score.probability),
      rationale: `${findings.classifier.id} ${findings.classifier.version} gave ${percent(score.probability)} on ${where}.${condition ? ` ${condition.summary}` : ''}`,
      icd10cm: condition ? codesFor(condition, region) : [],
    });
  }
  for (const differential of known(top)?.differentials ?? []) {
    addDifferential({ ...differential, likelihood: 'low' });
  }

  const unique = <T>(items: T[], key: (item: T) => string) =>
    items.filter((item, index) => items.findIndex((other) => key(other) === key(item)) === index);
  const leadingConditions = leading.map(known).filter((condition) => condition !== undefined);
  const redFlagConditions = plausible
    .slice(0, 3)
    .map(known)
    .filter((condition) => condition !== undefined);

  return {
    differentials,
    followUpTests: unique(
      leadingConditions.flatMap((condition) => condition.followUpTests),
      (item) => item.test,
    ),
    treatmentConsiderations: known(top)?.treatmentConsiderations ?? [],
    redFlags: unique(
      redFlagConditions.flatMap((condition) => condition.redFlags),
      (item) => item.flag,
    ),
    uncertainty: uncertaintyStatement(findings, thresholds, knowledgeBase),
    disclaimer: decisionSupportDisclaimer,
  };
}

function uncertaintyStatement(
  findings: RecommendationRequest['findings'],
  thresholds: DecisionThresholds,
  knowledgeBase: KnowledgeBase,
): string | null {
  const [top, second] = findings.labels;
  const statements: string[] = [];
  if (findings.lesionFound === false) {
    statements.push('No lesion was detected, so the whole image was classified; check the image framing.');
  }
  if (top && top.probability < thresholds.lowConfidenceThreshold) {
    statements.push(
      `The top finding (${top.label}, ${percent(top.probability)}) is below the ${percent(thresholds.lowConfidenceThreshold)} confidence threshold: treat the ranking as weak evidence.`,
    );
  }
  if (top && second && top.probability - second.probability < thresholds.closeCallMargin) {
    statements.push(
      `${top.label} and ${second.label} are close (${percent(top.probability)} vs ${percent(second.probability)}): both are considered.`,
    );
  }
  if (top && !knowledgeBase.conditions[top.label]) {
    statements.push(
      `The knowledge base has no entry for "${top.label}": no tests or treatments are suggested for it.`,
    );
  }
  return statements.length > 0 ? statements.join(' ') : null;
}
