/**
 * A DICOM photograph (VL Photographic Image, modality XC) of a sample photo, with its UIDs and a
 * patient: what a dermatology camera or a PACS export hands the service.
 */
import sharp from 'sharp';
import { dicomFile, imagePixelElements, TransferSyntaxUid } from './dicom-files.js';

/** The patient the file names: the outputs must carry these, the record never. */
export const dicomPhotoPatient = { name: 'Marlowe-Finch^Quintessa', id: 'MRN-77100442' };

export async function dicomPhotoOf(photoPath: string): Promise<Buffer> {
  const { data, info } = await sharp(photoPath).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return dicomFile({
    transferSyntax: TransferSyntaxUid.explicitLittle,
    elements: [
      { tag: [0x0008, 0x0016], vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.77.1.4' },
      { tag: [0x0008, 0x0018], vr: 'UI', value: '2.25.1234567890123456789012345678901' },
      { tag: [0x0008, 0x0060], vr: 'CS', value: 'XC' },
      { tag: [0x0010, 0x0010], vr: 'PN', value: dicomPhotoPatient.name },
      { tag: [0x0010, 0x0020], vr: 'LO', value: dicomPhotoPatient.id },
      { tag: [0x0020, 0x000d], vr: 'UI', value: '2.25.2234567890123456789012345678902' },
      { tag: [0x0020, 0x000e], vr: 'UI', value: '2.25.3234567890123456789012345678903' },
      ...imagePixelElements({
        rows: info.height,
        columns: info.width,
        samplesPerPixel: 3,
        photometric: 'RGB',
        bitsAllocated: 8,
      }),
    ],
    pixelData: { native: data, vr: 'OB' },
  });
}
