/**
 * A model's status in words: a demo model says it is one, a model that states no status is not
 * presented as validated.
 */
import type { StatedModel } from '../../../outputs/reportable-record.js';

export const demoModelWords = 'demo model, trained on synthetic images, not for clinical use';

export function ModelStatus({ model }: { model: StatedModel }) {
  if (model.status === 'demo') return <span class="demo">{demoModelWords}</span>;
  if (model.status === 'validated') return <span>validated (its model card says so)</span>;
  return <span class="demo">status not stated: not validated for clinical use</span>;
}
