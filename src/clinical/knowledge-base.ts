/**
 * The curated clinical knowledge file (data/knowledge-base.json): per condition label, the
 * differentials, follow-up tests, treatment considerations and red flags a clinician would weigh,
 * each with its rationale, and the ICD-10-CM codes that document it (site-specific where the code
 * set has sites).
 */
import { z } from 'zod';
import { readValidatedFile } from '../read-validated-file.js';

export const bodyRegions = ['face', 'scalp-neck', 'trunk', 'upper-limb', 'lower-limb', 'other'] as const;
export type BodyRegion = (typeof bodyRegions)[number];

const text = z.string().min(1);

const conditionSchema = z.object({
  name: z.string().min(1),
  summary: z.string().min(1),
  urgency: z.enum(['urgent', 'soon', 'routine']),
  icd10cm: z.array(z.string()).min(1),
  siteSpecificIcd10cm: z.partialRecord(z.enum(bodyRegions), z.array(z.string()).min(1)).default({}),
  differentials: z.array(
    z.object({
      condition: z.string().min(1),
      icd10cm: z.array(z.string()).default([]),
      rationale: z.string().min(1),
    }),
  ),
  followUpTests: z.array(z.object({ test: text, rationale: text })),
  treatmentConsiderations: z.array(z.object({ consideration: text, rationale: text })),
  redFlags: z.array(z.object({ flag: text, rationale: text })),
});

const knowledgeBaseSchema = z.object({
  version: z.string().min(1),
  description: z.string().default(''),
  conditions: z.record(z.string().min(1), conditionSchema),
  bodySites: z.record(z.string().min(1), z.enum(bodyRegions)),
});

export type KnowledgeBase = z.infer<typeof knowledgeBaseSchema>;
export type ConditionKnowledge = z.infer<typeof conditionSchema>;

export function loadKnowledgeBase(path: string): Promise<KnowledgeBase> {
  return readValidatedFile(path, knowledgeBaseSchema, 'knowledge base');
}

/** The body region of a free-text body site ("upper back" -> trunk), or null when unknown. */
export function bodyRegionOf(knowledgeBase: KnowledgeBase, bodySite: string | null): BodyRegion | null {
  if (!bodySite) return null;
  const site = bodySite.trim().toLowerCase();
  const exact = knowledgeBase.bodySites[site];
  if (exact) return exact;
  // "left forearm", "back of the hand": the longest known site word contained in the text.
  const words = Object.keys(knowledgeBase.bodySites)
    .filter((known) => new RegExp(`\\b${known.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(site))
    .sort((a, b) => b.length - a.length);
  const best = words[0];
  return best ? (knowledgeBase.bodySites[best] ?? null) : null;
}

/** The codes for a condition at a body region: site-specific when the code set has them. */
export function codesFor(condition: ConditionKnowledge, region: BodyRegion | null): string[] {
  return (region && condition.siteSpecificIcd10cm[region]) || condition.icd10cm;
}
