/**
 * The CloudEvents 1.0 events DDx Assist emits about records (structured mode, JSON):
 *
 * | type                    | when                                                   |
 * | ----------------------- | ------------------------------------------------------ |
 * | `ddx.record.completed`  | a record was stored (succeeded, degraded or failed)    |
 * | `ddx.record.reviewed`   | a clinician's review made it final or rejected it       |
 *
 * `subject` is the record id; `data` holds the status, the verdict, the review state and links.
 * An event is built from an allow-list of record fields: never an identifier, a note, an object key
 * (keys may carry a patient's name) or free text.
 *
 * @example
 * const event = recordEvent(record, 'ddx.record.completed', { source: '/ddx-assist', links: { apiBaseUrl } });
 */
import { createHash } from 'node:crypto';
import { type LinkSettings, recordLinks } from '../outputs/record-links.js';
import {
  type ReportableRecord,
  type ReviewState,
  reviewStateOf,
  type Verdict,
} from '../outputs/reportable-record.js';
import type { RecordStatus } from '../record.js';

export const RecordEventType = {
  completed: 'ddx.record.completed',
  reviewed: 'ddx.record.reviewed',
} as const;
export type RecordEventType = (typeof RecordEventType)[keyof typeof RecordEventType];

export interface RecordEventData {
  recordId: string;
  status: RecordStatus;
  /** null when the record was not assessed (a failure before classification, or an older record). */
  verdict: Verdict | null;
  reviewState: ReviewState;
  /** The error code of a failed or degraded record (`CORRUPT_IMAGE`), never its message. */
  errorCode: string | null;
  links: { record: string; fhir: string; pdf: string; dicomSr: string | null };
}

export interface RecordEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: RecordEventType;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: RecordEventData;
}

export interface RecordEventSettings {
  /** The CloudEvents `source`: a URI-reference naming this deployment (`/ddx-assist`, `urn:ddx:prod`). */
  source: string;
  links: LinkSettings;
}

/**
 * One id per (record, type, record version): building the event again for the same stored record
 * gives the same id, so the outbox keeps one copy and every redelivery carries the same
 * `webhook-id` (receivers de-duplicate on it).
 */
export function recordEventId(recordId: string, type: RecordEventType, version: string): string {
  return `evt_${createHash('sha256').update(`${recordId}\n${type}\n${version}`).digest('hex').slice(0, 32)}`;
}

export function recordEvent(
  record: ReportableRecord,
  type: RecordEventType,
  settings: RecordEventSettings,
): RecordEvent {
  const links = recordLinks(record.id, settings.links);
  // A review event is a new version of the record's state: it is told apart by the review time.
  const version =
    type === RecordEventType.reviewed ? (record.review?.at ?? record.updatedAt) : record.updatedAt;
  return {
    specversion: '1.0',
    id: recordEventId(record.id, type, version),
    source: settings.source,
    type,
    subject: record.id,
    time: type === RecordEventType.reviewed ? version : record.updatedAt,
    datacontenttype: 'application/json',
    data: {
      recordId: record.id,
      status: record.status,
      verdict: record.assessment?.verdict ?? null,
      reviewState: reviewStateOf(record),
      errorCode: record.error?.code ?? null,
      links: {
        record: links.record,
        fhir: links.fhir,
        pdf: links.pdf,
        dicomSr: record.image?.format === 'dicom' ? links.dicomSr : null,
      },
    },
  };
}
