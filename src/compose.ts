/**
 * The composition root: configuration in, concrete adapters out. One exhaustive switch per port
 * and dynamic imports, so a process only loads the backends it is configured for (local mode never
 * loads the AWS SDK; a Lambda never loads onnxruntime unless an ONNX model is routed to).
 */

import { createLogger } from './adapters/logger/json-lines.js';
import { createKnowledgeBaseRecommender } from './adapters/recommender/knowledge-base.js';
import { defaultReplyLimits } from './adapters/shared/llm/reply-limits.js';
import { loadAssessmentThresholds } from './assessment/assessment-thresholds.js';
import { loadCptMapping } from './clinical/cpt-mapping.js';
import { loadIcd10CmTable } from './clinical/icd10cm-table.js';
import { loadKnowledgeBase } from './clinical/knowledge-base.js';
import { loadRoutingTable, type RoutingTable } from './clinical/routing-table.js';
import type { Config } from './config.js';
import { ConfigurationError } from './errors.js';
import { createEventDelivery, type EventDelivery } from './events/event-delivery.js';
import type { ClassificationCard, DetectionCard } from './models/model-card.js';
import type { ConfiguredModel, KServeModelConfig, SageMakerModelConfig } from './models/model-entry.js';
import { type ClosableModel, createModelProvider } from './models/model-provider.js';
import type { OutputSources } from './outputs/record-output.js';
import type { PipelineDeps } from './pipeline/pipeline-deps.js';
import type {
  BlobStore,
  Classifier,
  Detector,
  EventSender,
  Logger,
  ModelProvider,
  Outbox,
  PromptSource,
  Recommender,
  ResultStore,
} from './ports.js';
import { defaultRetryPolicy, type RetryPolicy } from './resilience/retry.js';

export interface ComposedDependencies extends PipelineDeps {
  events: EventDelivery;
  /** What `ddx results get --format` and the HTTP output routes build their documents from. */
  outputs: OutputSources;
  /** Waits for the event deliveries in flight (bounded), then releases everything. */
  close(): Promise<void>;
}

/**
 * Builds every adapter the configuration names, once per process: the stores, the prompt source,
 * the recommenders, the model provider (models are created on first use) and the tracer.
 * `close()` releases them (sockets, ONNX sessions, the SQLite file) and flushes the traces.
 *
 * @example
 * const deps = await composeDependencies(loadConfig({ DDX_DATA_DIR: '/tmp/ddx' }));
 * try {
 *   const { record } = await runInference({ source: { key: 'uploads/a.jpg' }, requestId: 'r1', trigger: 'cli' }, deps);
 * } finally {
 *   await deps.close();
 * }
 */
export async function composeDependencies(
  config: Config,
  overrides: { logger?: Logger } = {},
): Promise<ComposedDependencies> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const [routingTable, codeTable, knowledgeBase, cptMapping, promptSource, blobStore, assessmentThresholds] =
    await Promise.all([
      loadRoutingTable(config.routesPath),
      loadIcd10CmTable(config.icd10cmTablePath),
      loadKnowledgeBase(config.knowledgeBasePath),
      config.cptMappingPath ? loadCptMapping(config.cptMappingPath) : null,
      createPromptSource(config, logger),
      createBlobStore(config),
      loadAssessmentThresholds(config.assessmentPath),
    ]);
  const knowledgeRecommender = createKnowledgeBaseRecommender(knowledgeBase);
  const recommender = await createRecommender(config, knowledgeRecommender);
  const resultStore = await createResultStore(config, blobStore);
  const models = routedModelProvider(routingTable, { policy: config.callPolicy, roboflow: config.roboflow });
  const outputs: OutputSources = {
    blobStore,
    resultStore,
    links: config.outputs.links,
    limits: config.limits,
    patientIdSystem: config.outputs.patientIdSystem,
  };
  const outbox = await createOutbox(config);
  const events = createEventDelivery({
    outbox,
    senders: await createEventSenders(config, outputs),
    events: { source: config.events.source, links: config.outputs.links },
    policy: config.events.delivery,
    logger,
  });
  const generationTracer = config.tracing
    ? (await import('./adapters/generation-tracer/langfuse.js')).createLangfuseTracer({
        ...config.tracing,
        logger,
      })
    : undefined;
  return {
    blobStore,
    resultStore,
    models,
    routingTable,
    promptSource,
    recommender,
    knowledgeRecommender,
    codeTable,
    cptMapping,
    assessment: {
      thresholds: assessmentThresholds,
      actionableLabels: new Set(Object.keys(knowledgeBase.conditions)),
    },
    generationTracer,
    events,
    outputs,
    logger,
    limits: config.limits,
    cropPadding: config.cropPadding,
    derivedPrefix: config.derivedPrefix,
    jobTimeoutMs: config.jobTimeoutMs,
    minStepTimeMs: config.minStepTimeMs,
    async close() {
      await events.settled();
      await Promise.all([
        models.close?.(),
        resultStore.close?.(),
        outbox.close?.(),
        generationTracer?.flush(),
      ]);
    },
  };
}

async function createBlobStore(config: Config): Promise<BlobStore> {
  const { blobStore } = config;
  switch (blobStore.kind) {
    case 'fs': {
      const { createLocalFolderBlobStore } = await import('./adapters/blob-store/local-folder.js');
      return createLocalFolderBlobStore({ root: blobStore.root });
    }
    case 's3': {
      const { createS3BlobStore } = await import('./adapters/blob-store/s3.js');
      return createS3BlobStore({
        policy: config.callPolicy,
        bucket: blobStore.bucket,
        region: blobStore.region,
        forcePathStyle: blobStore.forcePathStyle,
      });
    }
  }
}

async function createResultStore(config: Config, blobStore: BlobStore): Promise<ResultStore> {
  const { resultStore } = config;
  switch (resultStore.kind) {
    case 'sqlite': {
      const { createSqliteResultStore } = await import('./adapters/result-store/sqlite.js');
      return createSqliteResultStore({ path: resultStore.path });
    }
    case 'dynamodb': {
      const { createDynamoDbResultStore } = await import('./adapters/result-store/dynamodb.js');
      // Records too large for one item go to the blob store, beside the crops.
      return createDynamoDbResultStore({
        policy: config.callPolicy,
        table: resultStore.table,
        region: resultStore.region,
        overflow: { blobStore, prefix: config.derivedPrefix },
      });
    }
  }
}

/** The outbox lives in the result store: the same SQLite file, the same DynamoDB table. */
async function createOutbox(config: Config): Promise<Outbox> {
  const { resultStore } = config;
  switch (resultStore.kind) {
    case 'sqlite': {
      const { createSqliteOutbox } = await import('./adapters/outbox/sqlite.js');
      return createSqliteOutbox({ path: resultStore.path });
    }
    case 'dynamodb': {
      const { createDynamoDbOutbox } = await import('./adapters/outbox/dynamodb.js');
      return createDynamoDbOutbox({
        policy: config.callPolicy,
        table: resultStore.table,
        region: resultStore.region,
      });
    }
  }
}

/** One sender per configured sink; the SR archive unless turned off. */
async function createEventSenders(config: Config, outputs: OutputSources): Promise<EventSender[]> {
  const { webhook, eventBridge, fhirPush, dicomSrArchive } = config.events;
  const senders: EventSender[] = [];
  if (webhook) {
    const { createWebhookSender } = await import('./events/webhook-sender.js');
    senders.push(
      createWebhookSender({ url: webhook.url, secret: webhook.secret, policy: config.callPolicy }),
    );
  }
  if (eventBridge) {
    const { createEventBridgeSender } = await import('./events/eventbridge-sender.js');
    senders.push(
      createEventBridgeSender({
        busName: eventBridge.busName,
        region: eventBridge.region,
        policy: config.callPolicy,
      }),
    );
  }
  if (fhirPush) {
    const [{ createFhirPushSender }, { createSmartBackendAuth, staticBearer }] = await Promise.all([
      import('./events/fhir-push-sender.js'),
      import('./events/smart-backend-auth.js'),
    ]);
    const { auth } = fhirPush;
    senders.push(
      createFhirPushSender({
        baseUrl: fhirPush.baseUrl,
        auth:
          auth.kind === 'bearer'
            ? staticBearer(auth.token)
            : auth.kind === 'smart-backend'
              ? createSmartBackendAuth({ ...auth, fhirBaseUrl: fhirPush.baseUrl, policy: config.callPolicy })
              : undefined,
        resultStore: outputs.resultStore,
        sources: outputs,
        policy: config.callPolicy,
      }),
    );
  }
  if (dicomSrArchive) {
    const { createDicomSrArchive } = await import('./events/dicom-sr-archive.js');
    senders.push(
      createDicomSrArchive({
        blobStore: outputs.blobStore,
        resultStore: outputs.resultStore,
        derivedPrefix: config.derivedPrefix,
        sources: outputs,
      }),
    );
  }
  return senders;
}

async function createPromptSource(config: Config, logger: Logger): Promise<PromptSource> {
  const { promptSource } = config;
  switch (promptSource.kind) {
    case 'files': {
      const { createFilePromptSource } = await import('./adapters/prompt-source/files.js');
      return createFilePromptSource({ directory: promptSource.directory });
    }
    case 'langfuse': {
      const [{ createFilePromptSource }, { createLangfusePromptSource }] = await Promise.all([
        import('./adapters/prompt-source/files.js'),
        import('./adapters/prompt-source/langfuse.js'),
      ]);
      return createLangfusePromptSource({
        baseUrl: promptSource.baseUrl,
        publicKey: promptSource.publicKey,
        secretKey: promptSource.secretKey,
        label: promptSource.label,
        version: promptSource.version,
        cacheTtlSeconds: promptSource.cacheTtlSeconds,
        fetchTimeoutMs: promptSource.fetchTimeoutMs,
        fallback: createFilePromptSource({ directory: promptSource.fallbackDirectory }),
        logger,
      });
    }
  }
}

async function createRecommender(config: Config, knowledgeRecommender: Recommender): Promise<Recommender> {
  const { recommender } = config;
  switch (recommender.kind) {
    case 'knowledge-base':
      return knowledgeRecommender;
    case 'openai': {
      const { createOpenAiCompatibleRecommender } = await import(
        './adapters/recommender/openai-compatible.js'
      );
      return createOpenAiCompatibleRecommender({
        baseURL: recommender.baseURL,
        apiKey: recommender.apiKey,
        model: recommender.model,
        policy: recommender.policy,
        limits: { ...defaultReplyLimits, maxReplyBytes: recommender.maxReplyBytes },
      });
    }
    case 'bedrock': {
      const { createBedrockRecommender } = await import('./adapters/recommender/bedrock.js');
      return createBedrockRecommender({
        modelId: recommender.modelId,
        region: recommender.region,
        policy: recommender.policy,
        limits: { maxReplyBytes: recommender.maxReplyBytes },
      });
    }
  }
}

/**
 * The ModelProvider for a routing table: each model created on first use by its configured
 * backend (the switches below) and reused (models/model-provider.ts).
 */
export function routedModelProvider(
  table: RoutingTable,
  settings: Partial<ModelSettings> = {},
): ModelProvider {
  const backends: ModelSettings = {
    policy: settings.policy ?? defaultRetryPolicy,
    roboflow: settings.roboflow ?? { apiUrl: undefined, apiKey: '' },
  };
  return createModelProvider(table, {
    detector: (model) => createDetector(model, backends),
    classifier: (model) => createClassifier(model, backends),
  });
}

/** What remote models need from the configuration: the call policy and Roboflow's defaults. */
export interface ModelSettings {
  policy: RetryPolicy;
  roboflow: Config['roboflow'];
}

async function createDetector(
  model: ConfiguredModel & { card: DetectionCard },
  { policy, roboflow }: ModelSettings,
): Promise<ClosableModel<Detector>> {
  const { config, card } = model;
  switch (config.kind) {
    case 'onnx': {
      const { createOnnxDetector } = await import('./adapters/detector/onnx.js');
      return createOnnxDetector({
        path: onnxPath(model),
        card,
        confidence: config.confidence,
        iou: config.iou,
      });
    }
    case 'sagemaker': {
      const { createSageMakerDetector } = await import('./adapters/detector/sagemaker.js');
      return createSageMakerDetector({ ...sageMakerSettings(config), card, policy });
    }
    case 'roboflow': {
      const { createRoboflowDetector, roboflowConnection } = await import('./adapters/detector/roboflow.js');
      return createRoboflowDetector({
        ...roboflowConnection(config, roboflow),
        project: config.project,
        version: config.version,
        card,
        confidence: config.confidence,
        overlap: config.overlap,
        maxSide: config.maxSide,
        policy,
      });
    }
    case 'kserve': {
      const { createKServeDetector } = await import('./adapters/detector/kserve.js');
      return createKServeDetector({
        ...kserveSettings(config),
        card,
        confidence: config.confidence,
        iou: config.iou,
        policy,
      });
    }
    case 'lesion-outline': {
      const { createLesionOutlineDetector } = await import('./adapters/detector/lesion-outline.js');
      return createLesionOutlineDetector(card);
    }
  }
}

async function createClassifier(
  model: ConfiguredModel & { card: ClassificationCard },
  { policy }: ModelSettings,
): Promise<ClosableModel<Classifier>> {
  const { config, card } = model;
  switch (config.kind) {
    case 'onnx': {
      const { createOnnxClassifier } = await import('./adapters/classifier/onnx.js');
      return createOnnxClassifier({ path: onnxPath(model), card });
    }
    case 'sagemaker': {
      const { createSageMakerClassifier } = await import('./adapters/classifier/sagemaker.js');
      return createSageMakerClassifier({ ...sageMakerSettings(config), card, policy });
    }
    case 'roboflow':
      throw new ConfigurationError(`model "${model.id}": Roboflow serves detectors only`);
    case 'lesion-outline':
      throw new ConfigurationError(`model "${model.id}": the lesion outline is a detector`);
    case 'kserve': {
      const { createKServeClassifier } = await import('./adapters/classifier/kserve.js');
      return createKServeClassifier({ ...kserveSettings(config), card, policy });
    }
  }
}

function kserveSettings(config: KServeModelConfig) {
  return { url: config.url, model: config.model, version: config.version, binary: config.binary };
}

function onnxPath(model: ConfiguredModel): string {
  if (!model.path) throw new ConfigurationError(`model "${model.id}" has no file`);
  return model.path;
}

function sageMakerSettings(config: SageMakerModelConfig) {
  return {
    endpoint: config.endpoint,
    contentType: config.contentType,
    accept: config.accept,
    customAttributes: config.customAttributes,
    targetModel: config.targetModel,
    maxSide: config.maxSide,
  };
}
