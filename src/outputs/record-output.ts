/**
 * A stored record in one of the clinic's formats, with what the pure output functions need
 * gathered first: the patient's identifiers from the identifier store (only when the clinic gave
 * them), the analysed image and the crop from the blob store. The CLI (`ddx results get --format`),
 * the HTTP routes and the SR archive all call this; none of them builds an output on its own.
 *
 * @example
 * const { contentType, body } = await recordOutput('pdf', record, sources);
 */
import { createHash } from 'node:crypto';
import type { PatientIdentifiers } from '../domain.js';
import { DdxError, InputErrorCode } from '../errors.js';
import type { BlobStore, CallOptions, ResultStore } from '../ports.js';
import type { InferenceRecord } from '../record.js';
import { DicomSrNotApplicableError, dicomSr } from './dicom-sr.js';
import { contentTypeOfFormat } from './fhir/image-media.js';
import { fhirBundle, type PatientReference } from './fhir-bundle.js';
import type { LinkSettings } from './record-links.js';

export const outputFormats = ['json', 'fhir', 'dicom-sr', 'pdf'] as const;
export type OutputFormat = (typeof outputFormats)[number];

export interface OutputSources {
  blobStore: BlobStore;
  resultStore: Pick<ResultStore, 'get' | 'patientIdentifiers'>;
  links: LinkSettings;
  limits: { maxImageBytes: number; maxImagePixels: number };
  /** The system of the clinic's patient identifiers in FHIR (`urn:oid:...`), when configured. */
  patientIdSystem?: string;
}

export interface RenderedOutput {
  contentType: string;
  body: Uint8Array;
  /** Not text: never written to a terminal. */
  binary: boolean;
}

/** Thrown when a record has no output of the asked kind (an SR of a photo, a crop of a whole image). */
export class OutputNotAvailableError extends Error {
  override name = 'OutputNotAvailableError';
}

const text = (value: unknown, contentType: string): RenderedOutput => ({
  contentType,
  body: new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`),
  binary: false,
});

export async function recordOutput(
  format: OutputFormat,
  record: InferenceRecord,
  sources: OutputSources,
  options: CallOptions = {},
): Promise<RenderedOutput> {
  switch (format) {
    case 'json':
      return text(record, 'application/json');
    case 'fhir': {
      const patient = fhirPatient(await sources.resultStore.patientIdentifiers(record.id, options), sources);
      return text(fhirBundle(record, { links: sources.links, patient }), 'application/fhir+json');
    }
    case 'dicom-sr': {
      if (!record.dicom) {
        throw new OutputNotAvailableError(
          record.image?.format === 'dicom'
            ? `record ${record.id}: the DICOM input had no SOP Instance, Study or Series UID to reference`
            : `record ${record.id} is not of a DICOM input: it has no DICOM SR`,
        );
      }
      const patient = await sources.resultStore.patientIdentifiers(record.id, options);
      try {
        return {
          contentType: 'application/dicom',
          body: dicomSr(record, { source: record.dicom, patient }),
          binary: true,
        };
      } catch (error) {
        if (error instanceof DicomSrNotApplicableError) throw new OutputNotAvailableError(error.message);
        throw error;
      }
    }
    case 'pdf': {
      // pdfkit and the image decoders load only when a PDF is asked for (not in the SR archive).
      const [{ pdfReport }, { reportImages }] = await Promise.all([
        import('./pdf-report.js'),
        import('./pdf-report/report-images.js'),
      ]);
      const [patient, upload, crop] = await Promise.all([
        sources.resultStore.patientIdentifiers(record.id, options),
        recordImage(record, 'image', sources, options),
        recordImage(record, 'crop', sources, options),
      ]);
      const images = await reportImages(upload?.body ?? null, crop?.body ?? null, {
        maxPixels: sources.limits.maxImagePixels,
      });
      return {
        contentType: 'application/pdf',
        body: await pdfReport(record, { images, patient }),
        binary: true,
      };
    }
  }
}

/** The FHIR subject: a reference by the clinic's identifier, only when it gave one. */
export function fhirPatient(
  patient: PatientIdentifiers | undefined,
  sources: Pick<OutputSources, 'patientIdSystem'>,
): PatientReference | undefined {
  if (!patient?.patientId) return undefined;
  return { identifier: { system: sources.patientIdSystem, value: patient.patientId } };
}

/**
 * The analysed upload as people see it (display-image.ts), for viewers that cannot show its
 * format; null when the upload is gone or holds other bytes.
 */
export async function recordPreview(
  record: InferenceRecord,
  sources: Pick<OutputSources, 'blobStore' | 'limits'>,
  options: CallOptions = {},
): Promise<{ contentType: string; body: Uint8Array } | null> {
  const upload = await recordImage(record, 'image', sources, options);
  if (!upload) return null;
  const { displayImageOf } = await import('./display-image.js');
  const preview = await displayImageOf(upload.body, { maxPixels: sources.limits.maxImagePixels });
  return { contentType: 'image/jpeg', body: preview.bytes };
}

/**
 * The analysed upload or the crop, as stored; null when there is none. The upload is served only
 * while it still has the bytes the record describes (`inputSha256`): a key written over since
 * holds another image.
 */
export async function recordImage(
  record: InferenceRecord,
  which: 'image' | 'crop',
  sources: Pick<OutputSources, 'blobStore' | 'limits'>,
  options: CallOptions = {},
): Promise<{ contentType: string; body: Uint8Array } | null> {
  const key =
    which === 'image' ? (record.image ? record.source.key : null) : (record.localization?.cropKey ?? null);
  if (!key) return null;
  let body: Uint8Array;
  try {
    body = await sources.blobStore.get(key, {
      maxBytes: sources.limits.maxImageBytes,
      signal: options.signal,
      // The upload's own version: the image the record describes, not a later one under its key.
      version: which === 'image' ? record.source : undefined,
    });
  } catch (error) {
    if (
      error instanceof DdxError &&
      (error.code === InputErrorCode.objectNotFound || error.code === InputErrorCode.objectChanged)
    ) {
      return null;
    }
    throw error;
  }
  if (which === 'crop') return { contentType: 'image/jpeg', body };
  const sha256 = createHash('sha256').update(body).digest('hex');
  if (record.inputSha256 && sha256 !== record.inputSha256) return null;
  return { contentType: contentTypeOfFormat(record.image?.format ?? ''), body };
}
