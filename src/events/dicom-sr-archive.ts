/**
 * Keeps the DICOM SR of every DICOM input in the blob store, under `<derived>sr/<record id>.dcm`,
 * for a PACS router (or a person) to pick up. Written on each record event, as a sink of the
 * outbox, so it is retried like any delivery and is rewritten when a review changes the record
 * (the SR gets a new SOP Instance UID then; a versioned bucket keeps the earlier one). Built from
 * the record as stored when it runs, so a late retry never puts an older state back.
 */
import { DependencyError, ServiceErrorCode } from '../errors.js';
import { OutputNotAvailableError, type OutputSources, recordOutput } from '../outputs/record-output.js';
import type { BlobStore, EventSender, ResultStore } from '../ports.js';

export interface DicomSrArchiveSettings {
  blobStore: BlobStore;
  resultStore: Pick<ResultStore, 'get' | 'patientIdentifiers'>;
  /** The derived prefix (`derived/`): never under the input prefix, so the SR triggers nothing. */
  derivedPrefix: string;
  sources: OutputSources;
}

export function dicomSrKey(derivedPrefix: string, recordId: string): string {
  return `${derivedPrefix}sr/${recordId}.dcm`;
}

export function createDicomSrArchive(settings: DicomSrArchiveSettings): EventSender {
  return {
    name: 'dicom-sr',
    accepts: (event) => event.data.links.dicomSr !== null && event.data.status !== 'failed',
    async send(event, options) {
      const record = await settings.resultStore.get(event.subject, options);
      if (!record) {
        throw new DependencyError(`DICOM SR archive: record ${event.subject} is not in the result store`, {
          code: ServiceErrorCode.storageError,
          retriable: false,
        });
      }
      let body: Uint8Array;
      try {
        ({ body } = await recordOutput('dicom-sr', record, settings.sources, options));
      } catch (error) {
        // A DICOM file without the UIDs an SR references: nothing to archive.
        if (error instanceof OutputNotAvailableError) return;
        throw error;
      }
      await settings.blobStore.put(dicomSrKey(settings.derivedPrefix, record.id), body, {
        contentType: 'application/dicom',
        signal: options?.signal,
      });
    },
  };
}
