/**
 * What the HTML routes hand the views (src/web/views/, owned by the views): plain data, already
 * checked, never a request or a store. A view is a pure function of these props.
 */

import type { ReportableRecord, Verdict } from '../outputs/reportable-record.js';
import type { AuditEntry, Role } from '../ports.js';
import type { Review, ReviewState } from '../record.js';

export type { Role };

/** Who is signed in: a token's name or an OIDC subject, and the role that decides what they may do. */
export interface Principal {
  /** Shown and written to the audit log: `token:<name>` or `oidc:<subject>`. */
  id: string;
  role: Role;
}

/** One worklist row. */
export interface RecordSummary {
  id: string;
  status: 'succeeded' | 'degraded' | 'failed';
  createdAt: string;
  /** The top label and its (calibrated) probability; null when the job did not classify. */
  topLabel: { label: string; probability: number } | null;
  verdict: Verdict | null;
  reviewState: ReviewState;
  errorCode: string | null;
}

/** The worklist's filters as the query gave them (absent = all). */
export interface WorklistFilters {
  status?: 'succeeded' | 'degraded' | 'failed';
  verdict?: Verdict;
  review?: ReviewState;
  /** Search by record id (exact id or prefix). */
  q?: string;
}

/** An audit log entry as the record page shows it: the stored entry itself. */
export type AuditEntryView = AuditEntry;

export interface WorklistPageProps {
  records: RecordSummary[];
  filters: WorklistFilters;
  /** Link to the next page: `/?cursor=<nextCursor>&...filters`; null on the last page. */
  nextCursor: string | null;
  principal: Principal;
  csrfToken: string;
}

export interface RecordPageProps {
  record: ReportableRecord;
  /** The review as it reads (a record without one is preliminary). */
  review: Review | null;
  principal: Principal;
  csrfToken: string;
  audit: AuditEntryView[];
  /** Where the image and the crop are served (signed-in only): `/v1/records/:id/image`, `/crop`. */
  imageUrl: string;
  /** The upload re-encoded as a JPEG, for formats a browser cannot show. */
  previewUrl: string;
  cropUrl: string | null;
  /** Set after a refused review form: what was wrong. */
  error?: string;
}

export interface UploadPageProps {
  principal: Principal;
  csrfToken: string;
  error?: string;
}

export interface SignInPageProps {
  csrfToken: string;
  error?: string;
}
