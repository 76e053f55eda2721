/** The findings (every label with its calibrated probability, as a bar) and the assessment. */

import { verdictText } from '../fhir/assessment-observation.js';
import { methodText } from '../fhir/finding-observation.js';
import { labelDisplay, percent, rawProbabilityOf } from '../reportable-record.js';
import { colour, heading, type Layout, list, page, paragraph } from './layout.js';

export function drawFindings(layout: Layout): void {
  const { document, record } = layout;
  const classification = record.classification;
  heading(layout, 'Findings');
  if (!classification || record.status === 'failed') {
    paragraph(layout, 'No findings: the analysis did not classify the image.');
  } else if (record.assessment?.verdict === 'out-of-scope') {
    paragraph(layout, 'No findings are reported: the image is out of scope for these models.');
  } else {
    paragraph(layout, methodText(classification), { muted: true });
    document.moveDown(0.3);
    const calibrated = Boolean(classification.calibration);
    for (const finding of classification.labels) {
      const y = document.y;
      const raw = rawProbabilityOf(classification, finding.label);
      document
        .font('Helvetica')
        .fontSize(9)
        .fillColor(colour.text)
        .text(labelDisplay(finding.label), page.margin, y, { width: 170 });
      document.text(
        `${percent(finding.probability)}${calibrated ? ' calibrated' : ''}`,
        page.margin + 175,
        y,
        { width: 90 },
      );
      const barLeft = page.margin + 270;
      document
        .rect(barLeft, y + 1.5, 150, 7)
        .lineWidth(0.5)
        .strokeColor(colour.rule)
        .stroke();
      if (finding.probability > 0)
        document
          .rect(barLeft, y + 1.5, 150 * finding.probability, 7)
          .fillColor(colour.accent)
          .fill();
      if (raw !== null && calibrated) {
        document.fillColor(colour.muted).text(`model ${percent(raw)}`, barLeft + 160, y, { width: 80 });
      }
      document.x = page.margin;
      document.y = y + 13;
    }
  }
  heading(layout, 'Assessment');
  const assessment = record.assessment;
  if (!assessment) {
    paragraph(
      layout,
      'Not assessed: how far this result can be trusted was not judged. Treat it as uncertain.',
    );
  } else {
    paragraph(layout, verdictText[assessment.verdict], { bold: true });
    list(
      layout,
      'Reasons',
      assessment.reasons.map((reason) => `${reason.message} (${reason.code})`),
    );
  }
}
