/**
 * The identity of the DICOM instance that was analysed: the UIDs a DICOM SR needs to reference it
 * (SOP Class and Instance, Study, Series) and its frame count. UIDs identify objects, not people;
 * Patient's Name, ID and Birth Date are read elsewhere and kept apart (dicom-clinical-context.ts).
 * A file without these UIDs still decodes; it just cannot be referenced from an SR.
 */
import type { DataSet } from 'dicom-parser';
import type { DicomInstanceReference } from '../../domain.js';

const InstanceTag = {
  sopClassUid: 'x00080016',
  sopInstanceUid: 'x00080018',
  studyInstanceUid: 'x0020000d',
  seriesInstanceUid: 'x0020000e',
  numberOfFrames: 'x00280008',
} as const;

/** A UID as PS3.5 9.1 allows it: digits and dots, at most 64 characters. */
function uid(dataSet: DataSet, tag: string): string | undefined {
  let value: string | undefined;
  try {
    value = dataSet.string(tag)?.replace(/\0/g, '').trim();
  } catch {
    return undefined;
  }
  return value && value.length <= 64 && /^[0-9]+(\.[0-9]+)*$/.test(value) ? value : undefined;
}

export function dicomInstanceReference(dataSet: DataSet): DicomInstanceReference | null {
  const sopClassUid = uid(dataSet, InstanceTag.sopClassUid);
  const sopInstanceUid = uid(dataSet, InstanceTag.sopInstanceUid);
  const studyInstanceUid = uid(dataSet, InstanceTag.studyInstanceUid);
  const seriesInstanceUid = uid(dataSet, InstanceTag.seriesInstanceUid);
  if (!sopClassUid || !sopInstanceUid || !studyInstanceUid || !seriesInstanceUid) return null;
  let frames = 1;
  try {
    const declared = Number.parseInt(dataSet.string(InstanceTag.numberOfFrames) ?? '1', 10);
    if (Number.isSafeInteger(declared) && declared > 0) frames = declared;
  } catch {
    frames = 1;
  }
  return { sopClassUid, sopInstanceUid, studyInstanceUid, seriesInstanceUid, frames };
}
