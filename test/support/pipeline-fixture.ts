/**
 * Pipeline dependencies built from in-memory fakes, for tests of `runInference` itself. Each fake
 * records its calls and can be told to fail or to wait, so tests can check ordering, overlap,
 * idempotency and failure handling without timing anything.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { createLogger } from '../../src/adapters/logger/json-lines.js';
import { createFilePromptSource } from '../../src/adapters/prompt-source/files.js';
import { createKnowledgeBaseRecommender } from '../../src/adapters/recommender/knowledge-base.js';
import { parseAssessmentThresholds } from '../../src/assessment/assessment-thresholds.js';
import { parseIcd10CmTable } from '../../src/clinical/icd10cm-table.js';
import type { KnowledgeBase } from '../../src/clinical/knowledge-base.js';
import type { RoutingTable } from '../../src/clinical/routing-table.js';
import { packageRoot } from '../../src/config.js';
import type { DecodedImage, Detection, LabelScore } from '../../src/domain.js';
import type { ClassificationCard, DetectionCard } from '../../src/models/model-card.js';
import type { PipelineDeps } from '../../src/pipeline/pipeline-deps.js';
import type { Classifier, Detector, ModelProvider, Recommender } from '../../src/ports.js';
import { createInMemoryBlobStore, type InMemoryBlobStore } from './in-memory-blob-store.js';
import { createInMemoryResultStore, type InMemoryResultStore } from './in-memory-result-store.js';
import { modelInput } from './model-cards.js';

/** The thresholds the service ships (models/assessment.json), as fitted. */
export const bundledAssessmentThresholds = parseAssessmentThresholds(
  JSON.parse(readFileSync(`${packageRoot}/models/assessment.json`, 'utf8')),
);

export const detectorCard: DetectionCard = {
  id: 'fake-detector',
  version: '0.1.0',
  task: 'detection',
  description: '',
  labels: ['lesion'],
  input: modelInput({ resize: 'letterbox' }),
  output: { name: 'output0', format: 'yolov8' },
  defaults: { confidence: 0.25, iou: 0.45 },
  icd10cm: {},
  metrics: {},
  intendedUse: '',
  status: 'demo',
};

export const classifierCard: ClassificationCard = {
  id: 'fake-classifier',
  version: '0.2.0',
  task: 'classification',
  description: '',
  labels: ['melanoma', 'melanocytic-nevus'],
  input: modelInput({ width: 32, height: 32 }),
  output: { name: 'logits', activation: 'logits' },
  icd10cm: { melanoma: ['C43.9'], 'melanocytic-nevus': ['D22.9'] },
  metrics: {},
  intendedUse: '',
  status: 'demo',
};

export const knowledgeBase: KnowledgeBase = {
  version: 'test-1',
  description: '',
  bodySites: { back: 'trunk', forearm: 'upper-limb' },
  conditions: {
    melanoma: {
      name: 'Cutaneous melanoma',
      summary: 'A malignant melanocytic tumour.',
      urgency: 'urgent',
      icd10cm: ['C43.9'],
      siteSpecificIcd10cm: { trunk: ['C43.59'] },
      differentials: [
        { condition: 'Seborrheic keratosis', icd10cm: ['L82.1'], rationale: 'Can mimic melanoma.' },
      ],
      followUpTests: [{ test: 'Excisional biopsy', rationale: 'Histology confirms the diagnosis.' }],
      treatmentConsiderations: [{ consideration: 'Wide local excision', rationale: 'Standard of care.' }],
      redFlags: [{ flag: 'Rapid growth', rationale: 'Suggests invasion.' }],
    },
    'melanocytic-nevus': {
      name: 'Melanocytic nevus',
      summary: 'A benign mole.',
      urgency: 'routine',
      icd10cm: ['D22.9'],
      siteSpecificIcd10cm: { trunk: ['D22.5'] },
      differentials: [],
      followUpTests: [{ test: 'Dermoscopy', rationale: 'Checks for atypia.' }],
      treatmentConsiderations: [],
      redFlags: [],
    },
  },
};

export const codeTable = parseIcd10CmTable(
  [
    'code\tbillable\tdescription',
    'C43\t0\tMalignant melanoma of skin',
    'C43.5\t0\tMalignant melanoma of trunk',
    'C43.59\t1\tMalignant melanoma of other part of trunk',
    'C43.9\t1\tMalignant melanoma of skin, unspecified',
    'D22\t0\tMelanocytic nevi',
    'D22.5\t1\tMelanocytic nevi of trunk',
    'D22.9\t1\tMelanocytic nevi, unspecified',
    'L82\t0\tSeborrheic keratosis',
    'L82.1\t1\tOther seborrheic keratosis',
  ].join('\n'),
  'test-table',
);

export const routingTable: RoutingTable = {
  source: 'test',
  models: new Map([
    [
      'fake-detector',
      { id: 'fake-detector', config: { kind: 'onnx', path: 'x.onnx' }, path: '/x.onnx', card: detectorCard },
    ],
    [
      'fake-classifier',
      {
        id: 'fake-classifier',
        config: { kind: 'onnx', path: 'y.onnx' },
        path: '/y.onnx',
        card: classifierCard,
      },
    ],
  ]),
  routes: [
    {
      name: 'localized-lesion',
      when: { extent: 'localized' },
      detector: 'fake-detector',
      classifier: 'fake-classifier',
      prompt: 'ddx-recommendations',
    },
    {
      name: 'widespread-rash',
      when: { extent: 'widespread' },
      classifier: 'fake-classifier',
      prompt: 'ddx-recommendations',
    },
    {
      name: 'unspecified-extent',
      when: { extent: 'unspecified' },
      detector: 'fake-detector',
      classifier: 'fake-classifier',
      prompt: 'ddx-recommendations',
    },
  ],
};

export interface FakeModels extends ModelProvider {
  detections: Detection[];
  labels: LabelScore[];
  detectCalls: DecodedImage[];
  classifyCalls: DecodedImage[];
  /** When set, the next calls throw it. */
  detectorError?: Error;
  classifierError?: Error;
}

export function createFakeModels(): FakeModels {
  const models: FakeModels = {
    detections: [{ box: { x: 20, y: 10, width: 40, height: 30 }, confidence: 0.9, label: 'lesion' }],
    labels: [
      { label: 'melanoma', probability: 0.8 },
      { label: 'melanocytic-nevus', probability: 0.2 },
    ],
    detectCalls: [],
    classifyCalls: [],
    async detector(): Promise<Detector> {
      return {
        name: 'fake',
        card: detectorCard,
        async detect(image) {
          models.detectCalls.push(image);
          if (models.detectorError) throw models.detectorError;
          return models.detections;
        },
      };
    },
    async classifier(): Promise<Classifier> {
      return {
        name: 'fake',
        card: classifierCard,
        async classify(image) {
          models.classifyCalls.push(image);
          if (models.classifierError) throw models.classifierError;
          return models.labels;
        },
      };
    },
  };
  return models;
}

export interface PipelineFixture {
  deps: PipelineDeps;
  blobStore: InMemoryBlobStore;
  resultStore: InMemoryResultStore;
  models: FakeModels;
  logLines: string[];
}

export function createPipelineFixture(overrides: Partial<PipelineDeps> = {}): PipelineFixture {
  const blobStore = createInMemoryBlobStore('test-bucket');
  const resultStore = createInMemoryResultStore();
  const models = createFakeModels();
  const logLines: string[] = [];
  const recommender: Recommender = createKnowledgeBaseRecommender(knowledgeBase);
  const deps: PipelineDeps = {
    blobStore,
    resultStore,
    models,
    routingTable,
    promptSource: createFilePromptSource({ directory: `${packageRoot}/prompts` }),
    recommender,
    knowledgeRecommender: recommender,
    codeTable,
    cptMapping: null,
    assessment: {
      thresholds: bundledAssessmentThresholds,
      actionableLabels: new Set(Object.keys(knowledgeBase.conditions)),
    },
    logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    limits: { maxImageBytes: 5_000_000, maxImagePixels: 10_000_000 },
    cropPadding: 0.15,
    derivedPrefix: 'derived/',
    jobTimeoutMs: 30_000,
    ...overrides,
  };
  return { deps, blobStore, resultStore, models, logLines };
}

/** A small real JPEG: skin-coloured with a dark blob. */
export async function sampleJpeg(width = 120, height = 90): Promise<Buffer> {
  const blob = await sharp({
    create: { width: 30, height: 24, channels: 3, background: { r: 60, g: 35, b: 25 } },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: { r: 224, g: 180, b: 150 } } })
    .composite([{ input: blob, left: 25, top: 15 }])
    .jpeg()
    .toBuffer();
}

export async function upload(
  blobStore: InMemoryBlobStore,
  key: string,
  body: Uint8Array,
  metadata?: Record<string, unknown> | string,
): Promise<void> {
  await blobStore.put(key, body, { contentType: 'image/jpeg' });
  if (metadata !== undefined) {
    const text = typeof metadata === 'string' ? metadata : JSON.stringify(metadata);
    await blobStore.put(`${key}.meta.json`, Buffer.from(text), { contentType: 'application/json' });
  }
}
