/**
 * A recommendation shows only codes that are in the code table (issue 10 item 5): an invented or
 * malformed code is removed from the differential itself and reported only in `billing.dropped`.
 */
import { type Icd10CmTable, normaliseIcd10CmCode } from '../clinical/icd10cm-table.js';
import type { RecommendationRecord } from '../record.js';

export function withCodesInTable(
  recommendation: RecommendationRecord,
  table: Icd10CmTable,
): RecommendationRecord {
  return {
    ...recommendation,
    differentials: recommendation.differentials.map((differential) => ({
      ...differential,
      icd10cm: differential.icd10cm.flatMap((code) => {
        const normalised = normaliseIcd10CmCode(code);
        return normalised && table.lookup(normalised) ? [normalised] : [];
      }),
    })),
  };
}
