/**
 * A record as a PDF a clinician can file or print (A4, one or two pages): the image with the
 * region of interest drawn, the crop, the findings with calibrated probabilities, the assessment,
 * the recommendations, the code suggestions, provenance (a demo model says so in words), the review
 * state and the decision-support disclaimer on every page. Written with pdfkit and its standard
 * fonts (nothing to download or embed).
 *
 * The images are passed in as JPEG or PNG bytes already oriented like the analysed image (see
 * report-images.ts), so the ROI, in the analysed image's pixels, lands where the model saw it.
 *
 * @example
 * const pdf = await pdfReport(record, { images: await reportImages(record, blobStore) });
 */
import PDFDocument from 'pdfkit';
import type { PatientIdentifiers } from '../domain.js';
import { decisionSupportDisclaimer } from './conclusion.js';
import { drawFindings } from './pdf-report/findings-section.js';
import { drawHeader } from './pdf-report/header-section.js';
import { drawImages, type ReportImages } from './pdf-report/images-section.js';
import { type Layout, page } from './pdf-report/layout.js';
import { drawProvenance } from './pdf-report/provenance-section.js';
import { drawRecommendations } from './pdf-report/recommendations-section.js';
import type { ReportableRecord } from './reportable-record.js';

export interface PdfReportOptions {
  images?: ReportImages;
  /** Only from the identifier store, and only when the clinic gave them. */
  patient?: PatientIdentifiers;
}

export function pdfReport(record: ReportableRecord, options: PdfReportOptions = {}): Promise<Uint8Array> {
  const document = new PDFDocument({
    size: 'A4',
    margins: { top: page.margin, bottom: page.margin + 28, left: page.margin, right: page.margin },
    bufferPages: true,
    info: {
      Title: `DDx Assist report ${record.id}`,
      Author: 'DDx Assist',
      Subject: 'AI image analysis: decision support, not a diagnosis',
      CreationDate: new Date(record.updatedAt),
      ModDate: new Date(record.review?.at ?? record.updatedAt),
    },
  });
  const chunks: Buffer[] = [];
  document.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Uint8Array>((resolve, reject) => {
    document.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    document.on('error', reject);
  });
  const layout: Layout = { document, record };
  drawHeader(layout, options.patient);
  drawImages(layout, options.images ?? { image: null, crop: null });
  drawFindings(layout);
  drawRecommendations(layout);
  drawProvenance(layout);
  // The disclaimer and page numbers on every page, in the bottom margin.
  const range = document.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index++) {
    document.switchToPage(index);
    const bottom = document.page.height - page.margin - 20;
    const savedMargin = document.page.margins.bottom;
    document.page.margins.bottom = 0;
    document
      .font('Helvetica-Oblique')
      .fontSize(7.5)
      .fillColor('#444444')
      .text(`${decisionSupportDisclaimer}  Page ${index + 1} of ${range.count}.`, page.margin, bottom, {
        width: page.contentWidth,
        align: 'center',
      });
    document.page.margins.bottom = savedMargin;
  }
  document.end();
  return finished;
}
