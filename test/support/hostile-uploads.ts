/**
 * The hostile uploads of issue 9 item 2, as a server receives them: a JPEG 2000 DICOM whose
 * codestream claims 16 components, a valid 2,647-scan progressive JPEG, and (with opj_compress) a
 * 7000 x 7000 RGB JPEG 2000 DICOM that passes every header check and must be stopped by the
 * decode budget. Shared by the end-to-end test and the bench.
 */
import { hasTool } from './external-tools.js';
import { jpeg2000Codestream, jpeg2000Dicom, jpeg2000HeaderClaiming, manyScanJpeg } from './hostile-images.js';

export interface HostileUpload {
  name: string;
  bytes: Buffer;
  contentType: string;
}

export function hostileUploads(): HostileUpload[] {
  const withTool = hasTool('opj_compress');
  const sixteenComponents = withTool
    ? jpeg2000Codestream({ width: 1200, height: 900, components: 16, extraArguments: ['-r', '20'] })
    : jpeg2000HeaderClaiming(1200, 900, 16);
  const uploads: HostileUpload[] = [
    {
      name: 'jpeg2000-16-components.dcm',
      bytes: jpeg2000Dicom(sixteenComponents, { rows: 900, columns: 1200, samplesPerPixel: 3 }),
      contentType: 'application/dicom',
    },
    {
      name: 'jpeg-2647-scans.jpg',
      bytes: manyScanJpeg({ width: 4000, height: 3000 }),
      contentType: 'image/jpeg',
    },
  ];
  if (withTool) {
    const large = jpeg2000Codestream({
      width: 7000,
      height: 7000,
      components: 3,
      extraArguments: ['-r', '100'],
    });
    uploads.push({
      name: 'jpeg2000-7000x7000.dcm',
      bytes: jpeg2000Dicom(large, { rows: 7000, columns: 7000, samplesPerPixel: 3 }),
      contentType: 'application/dicom',
    });
  }
  return uploads;
}
