/**
 * How a data set's labels become the models' labels (`--label-map map.json`):
 *
 * { "labels": { "nv": "melanocytic-nevus", "mel": "melanoma" }, "malignant": ["mel", "bcc", "akiec"] }
 *
 * Keys are matched without regard to case. A data-set label the map leaves out has no model label:
 * the models cannot be right about it, so it should not be answered `confident`. `malignant` names
 * the data-set labels that are cancers (or precancers), for the malignant-vs-benign figures.
 * Without a map, a label is taken as the model's own.
 */
import { z } from 'zod';
import { readValidatedFile } from '../read-validated-file.js';

const labelMapSchema = z.object({
  labels: z.record(z.string().min(1), z.string().min(1)),
  malignant: z.array(z.string().min(1)).default([]),
});

export interface LabelMap {
  /** The model label for a data-set label; null when the models have none. */
  modelLabel(datasetLabel: string): string | null;
  isMalignant(datasetLabel: string): boolean;
}

export async function loadLabelMap(path: string): Promise<LabelMap> {
  return labelMapFrom(await readValidatedFile(path, labelMapSchema, 'label map'));
}

export function labelMapFrom(value: z.input<typeof labelMapSchema>): LabelMap {
  const parsed = labelMapSchema.parse(value);
  const labels = new Map(Object.entries(parsed.labels).map(([key, label]) => [key.toLowerCase(), label]));
  const malignant = new Set(parsed.malignant.map((label) => label.toLowerCase()));
  return {
    modelLabel: (datasetLabel) => labels.get(datasetLabel.toLowerCase()) ?? null,
    isMalignant: (datasetLabel) => malignant.has(datasetLabel.toLowerCase()),
  };
}

/** No map: the data set already uses the models' labels; malignancy is the assessment's rule. */
export function identityLabelMap(
  malignantLabels: readonly string[],
  knownLabels: ReadonlySet<string>,
): LabelMap {
  return {
    modelLabel: (datasetLabel) => (knownLabels.has(datasetLabel) ? datasetLabel : null),
    isMalignant: (datasetLabel) => malignantLabels.includes(datasetLabel),
  };
}
