/**
 * The routing table (DESIGN.md section 3): which models serve which clinical context. Loaded from
 * YAML or JSON and validated at start-up, including every model card it points to, so a typo in
 * the table stops the service before the first upload instead of failing that upload.
 */
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ClinicalContext, Extent } from '../domain.js';
import { BadInputError, ConfigurationError, InputErrorCode, PipelineStep } from '../errors.js';
import { loadOnnxModelCard } from '../models/complete-card.js';
import { loadModelCard, type ModelCard } from '../models/model-card.js';
import { type ConfiguredModel, modelConfigSchema } from '../models/model-entry.js';
import { readValidatedFile } from '../read-validated-file.js';
import type { RouteDecision } from '../record.js';

const extentSchema = z.enum(['localized', 'widespread', 'unspecified']);

const routeSchema = z.object({
  name: z.string().min(1),
  /** Every condition given must hold; an empty `when` matches any context. */
  when: z
    .object({
      extent: z.union([extentSchema, z.array(extentSchema).min(1)]).optional(),
      // Context values are lower-cased when parsed; so are these, or `Face` would never match.
      bodySite: z.array(z.string().trim().min(1).toLowerCase()).min(1).optional(),
      specialty: z.array(z.string().trim().min(1).toLowerCase()).min(1).optional(),
      minAge: z.number().int().min(0).optional(),
      maxAge: z.number().int().min(0).optional(),
      /** How the uploader says the image was taken (`imageType` in the metadata). */
      imageType: z.enum(['dermoscopy', 'clinical']).optional(),
      /** The extent the image itself suggested (extentPrediction), when the context gave none. */
      predictedExtent: z.enum(['localized', 'widespread']).optional(),
    })
    .strict()
    .default({}),
  detector: z.string().min(1).optional(),
  classifier: z.string().min(1),
  prompt: z.string().min(1),
  description: z.string().optional(),
});

/**
 * How the image decides the extent when the context does not say: an extent model (a
 * classification model with the labels `localized` and `widespread`) when one is named, otherwise
 * a rule on the detector's output: localized when its most confident region reaches
 * `localizedMinConfidence`, widespread when it finds nothing that certain.
 */
const extentPredictionSchema = z.object({
  detector: z.string().min(1),
  localizedMinConfidence: z.number().gt(0).max(1),
  model: z.string().min(1).optional(),
  /** How the rule's value was fitted (scripts/assessment/fit-assessment.ts). */
  fittedOn: z.string().optional(),
});

const tableSchema = z.object({
  models: z.record(z.string().min(1), modelConfigSchema),
  extentPrediction: extentPredictionSchema.optional(),
  routes: z.array(routeSchema).min(1),
});

export type ExtentPrediction = z.infer<typeof extentPredictionSchema>;

export type RouteRule = z.infer<typeof routeSchema>;

export interface RoutingTable {
  source: string;
  models: ReadonlyMap<string, ConfiguredModel>;
  routes: readonly RouteRule[];
  extentPrediction?: ExtentPrediction;
}

/** What the image said about the extent (pipeline/predict-extent.ts), and why. */
export interface PredictedExtent {
  extent: 'localized' | 'widespread';
  /** An extent model, or the rule on the detector's output. */
  by: 'rule' | 'model';
  reason: string;
}

export async function loadRoutingTable(path: string): Promise<RoutingTable> {
  const parse = path.endsWith('.json') ? JSON.parse : parseYaml;
  const table = await readValidatedFile(path, tableSchema, 'routing table', parse);
  const baseDir = dirname(path);
  const models = new Map<string, ConfiguredModel>();
  for (const [id, config] of Object.entries(table.models)) {
    // Remote models name their card; an ONNX file's card sits beside it by default.
    const modelPath = config.kind === 'onnx' ? resolve(baseDir, config.path) : null;
    const cardFile =
      config.kind === 'onnx'
        ? (config.card ?? `${config.path.replace(/\.onnx$/, '')}.card.json`)
        : config.card;
    // An ONNX file fills in what its card leaves out (tensor names, input size, Ultralytics names).
    const card = modelPath
      ? await loadOnnxModelCard(resolve(baseDir, cardFile), modelPath)
      : await loadModelCard(resolve(baseDir, cardFile));
    models.set(id, { id, config, path: modelPath, card });
  }

  const problems: string[] = [];
  for (const route of table.routes) {
    const checkModel = (id: string, task: ModelCard['task'], role: string) => {
      const model = models.get(id);
      if (!model) problems.push(`route "${route.name}": ${role} "${id}" is not in models`);
      else if (model.card.task !== task) {
        problems.push(
          `route "${route.name}": ${role} "${id}" is a ${model.card.task} model, expected ${task}`,
        );
      }
    };
    if (route.detector) checkModel(route.detector, 'detection', 'detector');
    checkModel(route.classifier, 'classification', 'classifier');
    if (route.when.predictedExtent && !table.extentPrediction) {
      problems.push(`route "${route.name}": predictedExtent needs an extentPrediction section`);
    }
    const { minAge, maxAge } = route.when;
    if (minAge !== undefined && maxAge !== undefined && minAge > maxAge) {
      problems.push(`route "${route.name}": minAge is above maxAge`);
    }
  }
  const prediction = table.extentPrediction;
  if (prediction) {
    const detector = models.get(prediction.detector);
    if (detector?.card.task !== 'detection') {
      problems.push(`extentPrediction: detector "${prediction.detector}" is not a detection model in models`);
    }
    const model = prediction.model ? models.get(prediction.model) : undefined;
    if (
      prediction.model &&
      (model?.card.task !== 'classification' || !model.card.labels.includes('widespread'))
    ) {
      problems.push(
        `extentPrediction: model "${prediction.model}" is not a classifier with the label widespread`,
      );
    }
  }
  if (problems.length > 0) {
    throw new ConfigurationError(`invalid routing table ${path}:\n  ${problems.join('\n  ')}`);
  }
  return { source: path, models, routes: table.routes, ...(prediction && { extentPrediction: prediction }) };
}

/**
 * True when the image must say what extent it suggests: the context gave none and the first route
 * whose other conditions hold asks for it (a dermoscopy route before it needs no prediction).
 */
export function needsPredictedExtent(table: RoutingTable, context: ClinicalContext): boolean {
  if (table.extentPrediction === undefined || context.extent !== 'unspecified') return false;
  const first = table.routes.find(
    (route) =>
      matchReasons({ ...route, when: { ...route.when, predictedExtent: undefined } }, context) !== null,
  );
  return first?.when.predictedExtent !== undefined;
}

/** The first route whose conditions all hold, in table order. */
export function selectRoute(
  table: RoutingTable,
  context: ClinicalContext,
  predicted?: PredictedExtent,
): RouteDecision {
  for (const route of table.routes) {
    const reasons = matchReasons(route, context, predicted);
    if (reasons) {
      // A prediction the route did not ask for is still recorded: the record says what the image
      // suggested (a photo read as one lesion stays visible as the image's call, not the uploader's).
      if (predicted && route.when.predictedExtent === undefined) {
        reasons.push(`the image suggested ${predicted.extent} (${predicted.reason})`);
      }
      return {
        name: route.name,
        extent: route.when.predictedExtent && predicted ? predicted.extent : context.extent,
        ...(predicted && { predictedExtent: predicted }),
        detector: route.detector ?? null,
        classifier: route.classifier,
        prompt: route.prompt,
        reason: reasons.length > 0 ? reasons.join('; ') : 'default route (no conditions)',
      };
    }
  }
  throw new BadInputError(
    `no route in the routing table matches extent "${context.extent}"${context.bodySite ? ` and body site "${context.bodySite}"` : ''}`,
    InputErrorCode.noRoute,
    PipelineStep.route,
  );
}

/** The reasons a route matches, or null when it does not. */
function matchReasons(
  route: RouteRule,
  context: ClinicalContext,
  predicted?: PredictedExtent,
): string[] | null {
  const { when } = route;
  const reasons: string[] = [];
  if (when.predictedExtent !== undefined) {
    if (predicted?.extent !== when.predictedExtent) return null;
    reasons.push(`the image decided: ${predicted.extent} (${predicted.reason})`);
  }
  if (when.extent !== undefined) {
    const extents: Extent[] = Array.isArray(when.extent) ? when.extent : [when.extent];
    if (!extents.includes(context.extent)) return null;
    reasons.push(`extent is ${context.extent}`);
  }
  if (when.imageType !== undefined) {
    if (context.imageType !== when.imageType) return null;
    reasons.push(`image type is ${context.imageType}`);
  }
  if (when.bodySite) {
    if (!context.bodySite || !when.bodySite.includes(context.bodySite)) return null;
    reasons.push(`body site is ${context.bodySite}`);
  }
  if (when.specialty) {
    if (!context.specialty || !when.specialty.includes(context.specialty)) return null;
    reasons.push(`specialty is ${context.specialty}`);
  }
  if (when.minAge !== undefined || when.maxAge !== undefined) {
    const age = context.ageYears;
    if (age === null) return null;
    if (when.minAge !== undefined && age < when.minAge) return null;
    if (when.maxAge !== undefined && age > when.maxAge) return null;
    reasons.push(`age ${age} is in range`);
  }
  return reasons;
}
