/**
 * The FHIR status of a record's report and observations: preliminary until a clinician's review
 * makes it final; cancelled when the review rejected it or when the analysis failed.
 */
import { type ReportableRecord, reviewStateOf } from '../reportable-record.js';

export type FhirResultStatus = 'preliminary' | 'final' | 'cancelled';

export function fhirResultStatus(record: ReportableRecord): FhirResultStatus {
  if (record.status === 'failed') return 'cancelled';
  switch (reviewStateOf(record)) {
    case 'preliminary':
      return 'preliminary';
    case 'final':
      return 'final';
    case 'rejected':
      return 'cancelled';
  }
}
