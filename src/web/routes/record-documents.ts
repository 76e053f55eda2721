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
 * GET /v1/records/:id/preview.jpg image/jpeg              the analysed image as decoded (DICOM windowed)
 * ```
 *
 * Every answer is `cache-control: no-store` (patient data; a review changes the documents), and
 * like every route needs a principal.
 */
import { Hono } from 'hono';
import {
  OutputNotAvailableError,
  type OutputSources,
  recordImage,
  recordOutput,
  recordPreview,
} from '../../outputs/record-output.js';
import { HttpError, RequestErrorCode } from '../http-error.js';
import { isPlausibleRecordId } from '../records-query.js';
import type { WebEnv } from '../web-env.js';

const documents = {
  fhir: 'fhir',
  'dicom-sr': 'dicom-sr',
  'report.pdf': 'pdf',
  image: 'image',
  crop: 'crop',
  'preview.jpg': 'preview',
} as const;
type Document = (typeof documents)[keyof typeof documents];

export function recordDocumentRoutes(sources: OutputSources | undefined): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  for (const [path, document] of Object.entries(documents)) {
    app.get(`/v1/records/:id/${path}`, async (c) => {
      const answer = await recordDocument(sources, c.req.param('id'), document);
      const headers: Record<string, string> = {
        'content-type': answer.contentType,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      };
      if (document === 'pdf') headers['content-disposition'] = `inline; filename="${answer.recordId}.pdf"`;
      if (document === 'dicom-sr') {
        headers['content-disposition'] = `attachment; filename="${answer.recordId}-sr.dcm"`;
      }
      return c.body(answer.body as Uint8Array<ArrayBuffer>, 200, headers);
    });
  }
  return app;
}

async function recordDocument(
  sources: OutputSources | undefined,
  id: string,
  document: Document,
): Promise<{ contentType: string; body: Uint8Array; recordId: string }> {
  if (!sources) {
    throw new HttpError(404, RequestErrorCode.notFound, 'this server does not serve record documents');
  }
  const record = isPlausibleRecordId(id) ? await sources.resultStore.get(id) : undefined;
  if (!record) throw new HttpError(404, RequestErrorCode.recordNotFound, 'no record with this id');
  if (document === 'image' || document === 'crop' || document === 'preview') {
    const image =
      document === 'preview'
        ? await recordPreview(record, sources)
        : await recordImage(record, document, sources);
    if (!image) {
      throw new HttpError(
        404,
        RequestErrorCode.notFound,
        document === 'crop' ? 'this record has no crop' : 'the analysed image is no longer stored as it was',
      );
    }
    return { ...image, recordId: record.id };
  }
  try {
    return { ...(await recordOutput(document, record, sources)), recordId: record.id };
  } catch (error) {
    if (error instanceof OutputNotAvailableError)
      throw new HttpError(404, RequestErrorCode.notFound, error.message);
    throw error;
  }
}
