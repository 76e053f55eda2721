/**
 * The analysed image and the crop of its region of interest as FHIR Media, content by reference:
 * the bundle carries links to the bytes (served by record id), never the bytes themselves.
 */
import type { Media, Patient, Reference } from '@medplum/fhirtypes';
import type { RecordLinks } from '../record-links.js';
import type { ReportableRecord } from '../reportable-record.js';
import { CodeSystem } from './code-systems.js';
import { type IdentifiedResource, resourceIdentity } from './resource-identity.js';

const contentTypes: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
  dicom: 'application/dicom',
};

/** The media type of an image format as the record names it (`jpeg`, `dicom`). */
export function contentTypeOfFormat(format: string): string {
  return contentTypes[format] ?? 'application/octet-stream';
}

export interface RecordMedia {
  image: IdentifiedResource<Media> | null;
  crop: IdentifiedResource<Media> | null;
}

export function recordMedia(
  record: ReportableRecord,
  links: RecordLinks,
  subject: Reference<Patient> | undefined,
): RecordMedia {
  const base = {
    resourceType: 'Media' as const,
    status: 'completed' as const,
    type: { coding: [{ system: CodeSystem.mediaType, code: 'image', display: 'Image' }] },
    ...(subject ? { subject } : {}),
    createdDateTime: record.createdAt,
  };
  const image: IdentifiedResource<Media> | null = record.image
    ? {
        identity: resourceIdentity(record.id, 'image'),
        resource: {
          ...base,
          identifier: [{ system: CodeSystem.recordId, value: `${record.id}/image` }],
          ...(record.context?.bodySite ? { bodySite: { text: record.context.bodySite } } : {}),
          width: record.image.width,
          height: record.image.height,
          content: {
            contentType: contentTypeOfFormat(record.image.format),
            url: links.image,
            size: record.image.bytes,
            title: 'The uploaded image that was analysed',
          },
        },
      }
    : null;
  const roi = record.localization?.roi;
  const crop: IdentifiedResource<Media> | null =
    roi && record.localization?.cropKey
      ? {
          identity: resourceIdentity(record.id, 'crop'),
          resource: {
            ...base,
            identifier: [{ system: CodeSystem.recordId, value: `${record.id}/crop` }],
            width: Math.round(roi.paddedBox.width),
            height: Math.round(roi.paddedBox.height),
            content: {
              contentType: 'image/jpeg',
              url: links.crop,
              title: 'The region of interest the classifier saw (padded crop)',
            },
            note: [
              {
                text: `Crop at x=${roi.paddedBox.x} y=${roi.paddedBox.y} w=${roi.paddedBox.width} h=${roi.paddedBox.height} of the uploaded image (pixels, top-left origin); detection confidence ${Math.round(roi.confidence * 100)}%.`,
              },
            ],
          },
        }
      : null;
  return { image, crop };
}
