/**
 * The one schema every recommendation must satisfy, whichever recommender wrote it: the knowledge
 * base's output is checked against it in tests, an LLM's reply at run time.
 */
import { z } from 'zod';

const text = z.string().trim().min(1).max(2000);

export const recommendationSchema = z.object({
  differentials: z
    .array(
      z.object({
        condition: text,
        likelihood: z.enum(['high', 'moderate', 'low']),
        rationale: text,
        icd10cm: z.array(z.string().max(10)).max(10),
      }),
    )
    .min(1)
    .max(10),
  followUpTests: z.array(z.object({ test: text, rationale: text })).max(10),
  treatmentConsiderations: z.array(z.object({ consideration: text, rationale: text })).max(10),
  redFlags: z.array(z.object({ flag: text, rationale: text })).max(10),
  uncertainty: text.nullable(),
  disclaimer: text,
});
