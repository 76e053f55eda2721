/**
 * CPT suggestions need CPT descriptors, which the AMA licenses: the project ships none. A user
 * with a licence supplies a mapping file (DDX_CPT_MAPPING) from finding labels to the procedure
 * codes their practice bills for them; without one, no CPT code is ever suggested.
 *
 * ```json
 * { "version": "practice-2026-1", "labels": { "melanoma": [{ "code": "11102", "description": "..." }] } }
 * ```
 */
import { z } from 'zod';
import { readValidatedFile } from '../read-validated-file.js';

const cptCode = z.string().regex(/^\d{4}[0-9FTU]$/, 'a CPT code is four digits and a digit, F, T or U');

const cptMappingSchema = z.object({
  version: z.string().min(1),
  labels: z.record(
    z.string().min(1),
    z.array(z.object({ code: cptCode, description: z.string().min(1) })).min(1),
  ),
});

export type CptMapping = z.infer<typeof cptMappingSchema>;

export function loadCptMapping(path: string): Promise<CptMapping> {
  return readValidatedFile(path, cptMappingSchema, 'CPT mapping');
}
