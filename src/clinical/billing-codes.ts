/**
 * Billing suggestions (ICD-10-CM): candidate codes from every source are normalised, checked
 * against the code table, merged, and either kept, replaced by a billable child, or dropped and
 * reported. No code outside the table is ever suggested.
 *
 * Candidates come most specific first (site-aware knowledge-base codes before a model card's
 * site-unspecified ones): one suggestion is kept per ICD-10-CM category, the first, and later
 * sources for the same category are merged into it.
 */
import type { Billing, BillingSuggestion } from '../record.js';
import { type Icd10CmTable, normaliseIcd10CmCode } from './icd10cm-table.js';

export interface CodeCandidate {
  code: string;
  /** `model-card:lesion-classifier`, `knowledge-base`, `llm:...` */
  source: string;
  reason: string;
}

export function checkBillingCodes(
  candidates: readonly CodeCandidate[],
  table: Icd10CmTable,
): Omit<Billing, 'cptMappingVersion'> {
  const byCategory = new Map<string, BillingSuggestion>();
  const dropped: Billing['dropped'] = [];

  for (const candidate of candidates) {
    const code = normaliseIcd10CmCode(candidate.code);
    if (!code) {
      dropped.push({
        code: candidate.code,
        source: candidate.source,
        reason: 'not a well-formed ICD-10-CM code',
      });
      continue;
    }
    const entry = billableEntry(code, table);
    if (!entry) {
      dropped.push({ code, source: candidate.source, reason: 'not in the ICD-10-CM code table' });
      continue;
    }
    const existing = byCategory.get(entry.code.slice(0, 3));
    if (existing) {
      if (!existing.sources.includes(candidate.source)) existing.sources.push(candidate.source);
      continue;
    }
    byCategory.set(entry.code.slice(0, 3), {
      system: 'ICD-10-CM',
      code: entry.code,
      description: entry.description,
      billable: entry.billable,
      sources: [candidate.source],
      reason:
        entry.code === code
          ? candidate.reason
          : `${candidate.reason} (${code} is a category; its unspecified code is suggested)`,
    });
  }
  return { suggestions: [...byCategory.values()], dropped, codeTableVersion: table.version };
}

/**
 * The table entry to suggest for a code: itself when billable; for a category, its one child
 * whose description says "unspecified" (the documented default); otherwise the category, flagged
 * as not billable so a coder completes it.
 */
function billableEntry(code: string, table: Icd10CmTable) {
  const entry = table.lookup(code);
  if (!entry || entry.billable) return entry;
  const unspecified = table
    .children(code)
    .filter((child) => child.billable && /unspecified/i.test(child.description));
  const only = unspecified.length === 1 ? unspecified[0] : undefined;
  return only ?? entry;
}
