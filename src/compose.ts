/**
 * The composition root: configuration in, concrete adapters out. One exhaustive switch per port
 * and dynamic imports, so a process only loads the backends it is configured for (local mode never
 * loads the AWS SDK; a Lambda never loads onnxruntime unless an ONNX model is routed to).
 */
import { createKnowledgeBaseRecommender } from './adapters/recommender/knowledge-base.js';
import type { SageMakerModelConfig } from './adapters/remote-model-config.js';
import { loadCptMapping } from './clinical/cpt-mapping.js';
import { loadIcd10CmTable } from './clinical/icd10cm-table.js';
import { loadKnowledgeBase } from './clinical/knowledge-base.js';
import { type ConfiguredModel, loadRoutingTable, type RoutingTable } from './clinical/routing-table.js';
import type { Config } from './config.js';
import { ConfigurationError } from './errors.js';
import type { KServeModelConfig } from './models/kserve-model-config.js';
import { createLogger, type Logger } from './observability/logger.js';
import type { PipelineDeps } from './pipeline/pipeline-deps.js';
import type {
  BlobStore,
  Classifier,
  Detector,
  ModelProvider,
  PromptSource,
  Recommender,
  ResultStore,
} from './ports.js';
import { defaultRetryPolicy, type RetryPolicy } from './resilience/retry.js';

export interface ComposedDependencies extends PipelineDeps {
  close(): Promise<void>;
}

export async function composeDependencies(
  config: Config,
  overrides: { logger?: Logger } = {},
): Promise<ComposedDependencies> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const [routingTable, codeTable, knowledgeBase, cptMapping, promptSource, blobStore] = await Promise.all([
    loadRoutingTable(config.routesPath),
    loadIcd10CmTable(config.icd10cmTablePath),
    loadKnowledgeBase(config.knowledgeBasePath),
    config.cptMappingPath ? loadCptMapping(config.cptMappingPath) : null,
    createPromptSource(config, logger),
    createBlobStore(config),
  ]);
  const knowledgeRecommender = createKnowledgeBaseRecommender(knowledgeBase);
  const recommender = await createRecommender(config, knowledgeRecommender);
  const resultStore = await createResultStore(config, blobStore);
  const models = createModelProvider(routingTable, config.callPolicy);
  const generationTracer = config.tracing
    ? (await import('./observability/langfuse-tracing.js')).createLangfuseTracer({
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
    generationTracer,
    logger,
    limits: config.limits,
    cropPadding: config.cropPadding,
    derivedPrefix: config.derivedPrefix,
    jobTimeoutMs: config.jobTimeoutMs,
    minStepTimeMs: config.minStepTimeMs,
    async close() {
      await Promise.all([models.close?.(), resultStore.close?.(), generationTracer?.flush()]);
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
      });
    }
    case 'bedrock': {
      const { createBedrockRecommender } = await import('./adapters/recommender/bedrock.js');
      return createBedrockRecommender({
        modelId: recommender.modelId,
        region: recommender.region,
        policy: recommender.policy,
      });
    }
  }
}

type ClosableModel<T> = T & { close?(): Promise<void> };

/** Creates each routed model on first use and reuses it (sessions are expensive to create). */
export function createModelProvider(
  table: RoutingTable,
  policy: RetryPolicy = defaultRetryPolicy,
): ModelProvider {
  const detectors = new Map<string, Promise<ClosableModel<Detector>>>();
  const classifiers = new Map<string, Promise<ClosableModel<Classifier>>>();

  const configured = (id: string): ConfiguredModel => {
    const model = table.models.get(id);
    if (!model) throw new ConfigurationError(`model "${id}" is not in the routing table`);
    return model;
  };
  const once = <T>(cache: Map<string, Promise<T>>, id: string, create: () => Promise<T>): Promise<T> => {
    let model = cache.get(id);
    if (!model) {
      model = create();
      model.catch(() => cache.delete(id));
      cache.set(id, model);
    }
    return model;
  };

  return {
    detector: (id) => once(detectors, id, () => createDetector(configured(id), policy)),
    classifier: (id) => once(classifiers, id, () => createClassifier(configured(id), policy)),
    async close() {
      const all = await Promise.allSettled([...detectors.values(), ...classifiers.values()]);
      await Promise.all(
        all.map((result) => (result.status === 'fulfilled' ? result.value.close?.() : undefined)),
      );
    },
  };
}

async function createDetector(model: ConfiguredModel, policy: RetryPolicy): Promise<ClosableModel<Detector>> {
  const { config, card } = model;
  if (card.task !== 'detection') throw new ConfigurationError(`model "${model.id}" is not a detector`);
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
      const [{ createRoboflowDetector }, { roboflowConnection }] = await Promise.all([
        import('./adapters/detector/roboflow.js'),
        import('./adapters/remote-model-config.js'),
      ]);
      return createRoboflowDetector({
        ...roboflowConnection(config),
        project: config.project,
        version: config.version,
        card,
        confidence: config.confidence,
        overlap: config.overlap,
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
  }
}

async function createClassifier(
  model: ConfiguredModel,
  policy: RetryPolicy,
): Promise<ClosableModel<Classifier>> {
  const { config, card } = model;
  if (card.task !== 'classification') throw new ConfigurationError(`model "${model.id}" is not a classifier`);
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
  };
}
