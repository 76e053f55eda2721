/** The report's title block: what it is, the record, the review state, a demo warning, the patient. */
import type { PatientIdentifiers } from '../../domain.js';
import { conclusionText } from '../conclusion.js';
import { isValidatedModel, reviewStateOf, type StatedModel } from '../reportable-record.js';
import { colour, type Layout, page, paragraph, printable } from './layout.js';

const stateLabel = {
  preliminary: 'PRELIMINARY: not yet reviewed',
  final: 'FINAL: reviewed by a clinician',
  rejected: 'REJECTED at clinician review',
} as const;

export function drawHeader(layout: Layout, patient: PatientIdentifiers | undefined): void {
  const { document, record } = layout;
  document
    .font('Helvetica-Bold')
    .fontSize(16)
    .fillColor(colour.accent)
    .text('DDx Assist: AI skin-image analysis', page.margin, page.margin);
  document
    .font('Helvetica')
    .fontSize(8.5)
    .fillColor(colour.muted)
    .text(
      printable(
        `Record ${record.id}   Analysed ${record.createdAt.replace('T', ' ').slice(0, 16)} UTC   Status ${record.status}`,
      ),
    );
  const state = reviewStateOf(record);
  document.moveDown(0.3);
  document
    .font('Helvetica-Bold')
    .fontSize(10)
    .fillColor(state === 'final' ? colour.accent : colour.warning)
    .text(`Review state: ${stateLabel[state]}`);
  const models = [record.localization?.detector, record.classification?.model].filter(
    (model): model is StatedModel => model !== undefined,
  );
  if (models.some((model) => !isValidatedModel(model))) {
    document
      .font('Helvetica-Bold')
      .fontSize(10)
      .fillColor(colour.warning)
      .text('Demo model: not validated for clinical use. Do not base care on this report alone.');
  }
  if (patient && (patient.name || patient.patientId || patient.dateOfBirth)) {
    const parts = [
      patient.name ? `Patient: ${patient.name}` : null,
      patient.patientId ? `ID ${patient.patientId}` : null,
      patient.dateOfBirth ? `born ${patient.dateOfBirth}` : null,
    ].filter(Boolean);
    document.moveDown(0.2);
    paragraph(layout, parts.join('   '), { bold: true });
  }
  document.moveDown(0.4);
  paragraph(layout, conclusionText(record));
}
