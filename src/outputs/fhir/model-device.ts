/**
 * A FHIR Device for each model that worked on a record: its id as name and identifier, its
 * version, a link to its model card, and whether it is a demo model, in words and as a code.
 */
import type { Device } from '@medplum/fhirtypes';
import { type LinkSettings, modelCardLink } from '../record-links.js';
import { isValidatedModel, type StatedModel } from '../reportable-record.js';
import { CodeSystem, ddxConcept } from './code-systems.js';
import { type IdentifiedResource, resourceIdentity } from './resource-identity.js';

export type ModelRole = 'detector' | 'classifier';

const roleText: Record<ModelRole, string> = {
  detector: 'AI lesion detector (finds the region of interest)',
  classifier: 'AI image classifier (ranks the findings)',
};

/** How a model's status reads wherever it is reported. */
export function modelStatusText(model: StatedModel): string {
  if (isValidatedModel(model)) return 'Validated model';
  if (model.status === 'demo') return 'Demo model: not validated for clinical use';
  return 'Validation status not stated: treat as not validated for clinical use';
}

export function modelDevice(
  recordId: string,
  model: StatedModel,
  role: ModelRole,
  links: LinkSettings,
): IdentifiedResource<Device> {
  const statusCode = model.status ?? 'not-stated';
  const cardUrl = modelCardLink(model.id, links);
  return {
    identity: resourceIdentity(recordId, `device-${role}`),
    resource: {
      resourceType: 'Device',
      status: 'active',
      identifier: [{ system: CodeSystem.modelId, value: model.id }],
      deviceName: [{ name: model.id, type: 'model-name' }],
      type: { text: roleText[role] },
      version: [{ value: model.version }],
      property: [
        {
          type: ddxConcept(CodeSystem.modelStatus, 'status', 'Model status'),
          valueCode: [ddxConcept(CodeSystem.modelStatus, statusCode, modelStatusText(model))],
        },
      ],
      contact: [{ system: 'url', value: cardUrl }],
      note: [{ text: `${modelStatusText(model)}. Model card: ${cardUrl}` }],
    },
  };
}
