/**
 * The documents derived from a record, served by record id: thin handlers over
 * outputs/record-output.ts (the same code as `ddx results get --format`).
 *
 * ```
 * GET /v1/records/:id/fhir        application/fhir+json   FHIR R4 Bundle
 * GET /v1/records/:id/dicom-sr    application/dicom       DICOM SR (DICOM inputs only; else 404)
 * GET /v1/records/:id/report.pdf  application/pdf         PDF report
 * GET /v1/records/:id/image       the upload's type       the analysed image (what FHIR Media points to)
 * GET /v1/records/:id/crop        image/jpeg              the region of interest the classifier saw
 * ```
 *
 * Every answer is `cache-control: no-store` (patient data; a review changes the documents).
 */
import type { ServerResponse } from 'node:http';
import {
  OutputNotAvailableError,
  type OutputSources,
  recordImage,
  recordOutput,
} from '../outputs/record-output.js';
import { HttpError, RequestErrorCode } from './http-error.js';
import { isPlausibleRecordId } from './records-query.js';

export const recordDocuments = {
  'record-fhir': 'fhir',
  'record-dicom-sr': 'dicom-sr',
  'record-report': 'pdf',
  'record-image': 'image',
  'record-crop': 'crop',
} as const;
export type RecordDocumentRoute = keyof typeof recordDocuments;

export async function sendRecordDocument(
  response: ServerResponse,
  route: RecordDocumentRoute,
  id: string,
  sources: OutputSources | undefined,
): Promise<void> {
  if (!sources)
    throw new HttpError(404, RequestErrorCode.notFound, 'this server does not serve record documents');
  const record = isPlausibleRecordId(id) ? await sources.resultStore.get(id) : undefined;
  if (!record) throw new HttpError(404, RequestErrorCode.recordNotFound, 'no record with this id');
  const document = recordDocuments[route];
  let answer: { contentType: string; body: Uint8Array };
  if (document === 'image' || document === 'crop') {
    const image = await recordImage(record, document, sources);
    if (!image) {
      throw new HttpError(
        404,
        RequestErrorCode.notFound,
        document === 'crop' ? 'this record has no crop' : 'the analysed image is no longer stored as it was',
      );
    }
    answer = image;
  } else {
    try {
      answer = await recordOutput(document, record, sources);
    } catch (error) {
      if (error instanceof OutputNotAvailableError)
        throw new HttpError(404, RequestErrorCode.notFound, error.message);
      throw error;
    }
  }
  const headers: Record<string, string | number> = {
    'content-type': answer.contentType,
    'content-length': answer.body.byteLength,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (document === 'pdf') headers['content-disposition'] = `inline; filename="${record.id}.pdf"`;
  if (document === 'dicom-sr') headers['content-disposition'] = `attachment; filename="${record.id}-sr.dcm"`;
  response.writeHead(200, headers);
  response.end(answer.body);
}
