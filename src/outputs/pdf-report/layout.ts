/** Shared measures and text helpers of the PDF report (A4 in points, pdfkit's standard fonts). */
import type { ReportableRecord } from '../reportable-record.js';

export const page = { width: 595.28, margin: 40, contentWidth: 595.28 - 80 } as const;

export const colour = {
  text: '#111111',
  muted: '#555555',
  accent: '#1f4e79',
  warning: '#a11d1d',
  rule: '#bbbbbb',
} as const;

export interface Layout {
  document: PDFKit.PDFDocument;
  record: ReportableRecord;
}

/**
 * The standard fonts encode WinAnsi only: characters outside it are replaced, so a name or an LLM
 * sentence in another script prints as "?" instead of breaking the page.
 */
export function printable(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\t\r]/g, ' ')
    .replace(/[^\n\u0020-\u007e\u00a0-\u00ff\u2013\u2014\u2022\u2026\u20ac]/g, '?');
}

export function heading(layout: Layout, title: string): void {
  const { document } = layout;
  if (document.y > document.page.height - 140) document.addPage();
  document.moveDown(0.6);
  document.font('Helvetica-Bold').fontSize(11).fillColor(colour.accent).text(printable(title), page.margin);
  const y = document.y + 1;
  document
    .moveTo(page.margin, y)
    .lineTo(page.margin + page.contentWidth, y)
    .lineWidth(0.5)
    .strokeColor(colour.rule)
    .stroke();
  document.moveDown(0.3);
  document.font('Helvetica').fontSize(9).fillColor(colour.text);
}

export function paragraph(
  layout: Layout,
  text: string,
  options: { bold?: boolean; muted?: boolean; indent?: number } = {},
): void {
  const { document } = layout;
  document
    .font(options.bold ? 'Helvetica-Bold' : 'Helvetica')
    .fontSize(9)
    .fillColor(options.muted ? colour.muted : colour.text)
    .text(printable(text), page.margin + (options.indent ?? 0), document.y, {
      width: page.contentWidth - (options.indent ?? 0),
    });
}

/** "- item" lines under a small label. */
export function list(layout: Layout, label: string, lines: string[]): void {
  if (lines.length === 0) return;
  paragraph(layout, label, { bold: true });
  for (const line of lines) paragraph(layout, `\u2022 ${line}`, { indent: 8 });
  layout.document.moveDown(0.2);
}
