/**
 * A clinician's decision on a record: `accept` makes the AI's top finding and its checked
 * ICD-10-CM codes final, `amend` makes the reviewer's diagnosis and codes final, `reject` rejects
 * the result. The record keeps its AI output untouched and gains `review`; it is stored with the
 * `ddx.record.reviewed` event in the same step (saveWithEvents), replacing exactly the version the
 * reviewer saw, and the change is appended to the audit log naming the principal.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Icd10CmTable, normaliseIcd10CmCode } from '../../clinical/icd10cm-table.js';
import { RecordEventType } from '../../events/record-event.js';
import { type SaveWithEventsDeps, saveWithEvents } from '../../events/save-with-events.js';
import type { AuditEntry, AuditLog } from '../../ports.js';
import type { InferenceRecord, Review } from '../../record.js';
import { HttpError, RequestErrorCode } from '../http-error.js';
import type { Principal } from '../view-props.js';

export const reviewRequestSchema = z.strictObject({
  decision: z.enum(['accept', 'amend', 'reject']),
  diagnosis: z.string().trim().min(1).max(200).optional(),
  codes: z.array(z.string().max(16)).max(20).optional(),
  comment: z.string().trim().max(2000).optional(),
});
export type ReviewRequest = z.infer<typeof reviewRequestSchema>;

export interface ReviewDeps extends SaveWithEventsDeps {
  audit: AuditLog;
  codeTable: Icd10CmTable;
}

export async function applyReview(
  deps: ReviewDeps,
  record: InferenceRecord,
  request: ReviewRequest,
  principal: Principal,
  now: Date = new Date(),
): Promise<{ record: InferenceRecord; entry: AuditEntry }> {
  if (record.status === 'failed') {
    throw new HttpError(409, RequestErrorCode.notReviewable, 'a failed record has no result to review');
  }
  const review: Review = {
    ...decided(record, request, deps.codeTable),
    reviewer: principal.id,
    at: now.toISOString(),
  };
  const reviewed: InferenceRecord = { ...record, review, updatedAt: now.toISOString() };
  const outcome = await saveWithEvents(deps, reviewed, RecordEventType.reviewed, {
    replacing: record.updatedAt,
  });
  if (!outcome.written) {
    throw new HttpError(
      409,
      RequestErrorCode.conflict,
      'the record changed meanwhile: reload it and review again',
    );
  }
  const action = `review.${request.decision}`;
  const entry: AuditEntry = {
    id: `aud_${createHash('sha256').update(`${record.id}\n${review.at}\n${principal.id}\n${action}`).digest('hex').slice(0, 32)}`,
    recordId: record.id,
    at: review.at,
    actor: principal.id,
    action,
    before: record.review ?? null,
    after: review,
  };
  await deps.audit.append(entry);
  return { record: reviewed, entry };
}

function decided(
  record: InferenceRecord,
  request: ReviewRequest,
  codeTable: Icd10CmTable,
): Omit<Review, 'reviewer' | 'at'> {
  const comment = request.comment || null;
  switch (request.decision) {
    case 'accept': {
      if (request.diagnosis !== undefined || request.codes !== undefined) {
        throw invalid('accept takes the AI result as it is: send diagnosis or codes with amend');
      }
      const top = record.classification?.labels[0]?.label ?? null;
      const codes = (record.billing?.suggestions ?? [])
        .filter((suggestion) => suggestion.system === 'ICD-10-CM')
        .map((suggestion) => suggestion.code);
      return { state: 'final', diagnosis: top, codes, comment };
    }
    case 'amend': {
      if (request.diagnosis === undefined && request.codes === undefined) {
        throw invalid('amend needs a diagnosis or codes');
      }
      return {
        state: 'final',
        diagnosis:
          request.diagnosis ?? record.review?.diagnosis ?? record.classification?.labels[0]?.label ?? null,
        codes: checkedCodes(request.codes ?? record.review?.codes ?? [], codeTable),
        comment,
      };
    }
    case 'reject':
      if (request.diagnosis !== undefined || request.codes !== undefined) {
        throw invalid('reject takes a comment only');
      }
      return { state: 'rejected', diagnosis: null, codes: [], comment };
  }
}

/** Codes as the code table writes them; one it does not know refuses the review (422). */
function checkedCodes(codes: readonly string[], codeTable: Icd10CmTable): string[] {
  const checked: string[] = [];
  const unknown: string[] = [];
  for (const input of codes) {
    const code = normaliseIcd10CmCode(input);
    if (code && codeTable.lookup(code)) {
      if (!checked.includes(code)) checked.push(code);
    } else unknown.push(input.slice(0, 16));
  }
  if (unknown.length > 0) {
    throw new HttpError(
      422,
      RequestErrorCode.invalidRequest,
      `not in the ICD-10-CM code table: ${unknown.join(', ')}`,
    );
  }
  return checked;
}

function invalid(message: string): HttpError {
  return new HttpError(400, RequestErrorCode.invalidRequest, message);
}
