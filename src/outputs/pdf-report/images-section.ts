/** The analysed image with the region of interest outlined, and the crop the classifier saw. */
import { colour, type Layout, page, paragraph } from './layout.js';

export interface ReportImage {
  /** JPEG or PNG bytes, oriented like the analysed image. */
  bytes: Uint8Array;
  width: number;
  height: number;
}

export interface ReportImages {
  image: ReportImage | null;
  crop: ReportImage | null;
}

const imageBox = { width: 300, height: 210 };
const cropBox = { width: 190, height: 190 };

function scaleToFit(image: ReportImage, box: { width: number; height: number }): number {
  return Math.min(box.width / image.width, box.height / image.height);
}

export function drawImages(layout: Layout, images: ReportImages): void {
  const { document, record } = layout;
  if (!images.image && !images.crop) return;
  document.moveDown(0.6);
  const top = document.y;
  let bottom = top;
  if (images.image) {
    const { image } = images;
    const scale = scaleToFit(image, imageBox);
    document.image(Buffer.from(image.bytes), page.margin, top, {
      width: image.width * scale,
      height: image.height * scale,
    });
    // The ROI is in the analysed image's pixels; the displayed image may be a resized copy.
    const analysedWidth = record.image?.width ?? image.width;
    const roiScale = (image.width / analysedWidth) * scale;
    const roi = record.localization?.roi;
    if (roi) {
      document
        .rect(
          page.margin + roi.box.x * roiScale,
          top + roi.box.y * roiScale,
          roi.box.width * roiScale,
          roi.box.height * roiScale,
        )
        .lineWidth(1.5)
        .strokeColor('#ff2a2a')
        .stroke();
    }
    const caption = roi
      ? `Uploaded image; red: the region of interest (${roi.label}, ${Math.round(roi.confidence * 100)}% detection confidence)`
      : record.localization
        ? 'Uploaded image; no lesion was detected, the whole image was classified'
        : 'Uploaded image (classified whole)';
    bottom = Math.max(bottom, top + image.height * scale);
    document
      .font('Helvetica')
      .fontSize(7.5)
      .fillColor(colour.muted)
      .text(caption, page.margin, bottom + 3, { width: imageBox.width });
    bottom = document.y;
  }
  if (images.crop) {
    const { crop } = images;
    const scale = scaleToFit(crop, cropBox);
    const left = page.margin + imageBox.width + 20;
    document.image(Buffer.from(crop.bytes), left, top, {
      width: crop.width * scale,
      height: crop.height * scale,
    });
    document
      .font('Helvetica')
      .fontSize(7.5)
      .fillColor(colour.muted)
      .text('The crop the classifier saw (padded region of interest)', left, top + crop.height * scale + 3, {
        width: cropBox.width,
      });
    bottom = Math.max(bottom, document.y);
  }
  document.y = bottom;
  paragraph(layout, '');
}
