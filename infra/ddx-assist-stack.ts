/**
 * The production deployment: uploads land in S3, S3 notifies an SQS queue, the queue feeds the
 * inference Lambda in small batches (partial batch responses), records go to DynamoDB, crops back
 * to S3 under the derived prefix, which never triggers anything.
 *
 * ```
 *  uploads/x.jpg -> S3 bucket --ObjectCreated, uploads/ only--> SQS queue --3rd failed receive--> DLQ
 *                       ^                                          | batches of 5
 *                       | derived/: crops, oversize records        v
 *                       +---------------------------------- Lambda (nodejs22.x) --> DynamoDB records
 *                                                                  +--> SageMaker, Roboflow, LLM
 *                                                                  +--> EventBridge bus, webhook, FHIR
 * ```
 *
 * Record events (record-events.ts): a bus, a schedule that sweeps the outbox, a rule example.
 *
 * @example
 * const app = new App();
 * new DdxAssistStack(app, 'DdxAssist', {
 *   lambdaBundleDirectory: 'dist-lambda',
 *   sageMakerEndpointNames: ['derm-lesion-v3'],
 *   recommender: { kind: 'bedrock', modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' },
 * });
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3Notifications from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import { resultTableKeys, timeToLiveAttribute } from '../src/adapters/result-store/dynamodb-table.js';
import { metricsNamespace, serviceName } from '../src/observability/service-identity.js';
import type { LogLevel } from '../src/ports.js';
import {
  bundledFileEnvironment,
  defaultLambdaCpu,
  type LambdaCpu,
  lambdaBundleLayout,
  lambdaTaskRoot,
  readLambdaBundleManifest,
} from './lambda-bundle.js';
import { bedrockModelArns, sageMakerEndpointArn } from './model-resource-arns.js';
import { RecordEvents } from './record-events.js';
import { WebApp, type WebAppSettings } from './web-app.js';

export type RecommenderSettings =
  | { kind: 'knowledge-base' }
  | { kind: 'openai'; model: string; baseUrl?: string; apiKeySecretArn?: string }
  | { kind: 'bedrock'; modelId: string };

export type PromptSourceSettings =
  | { kind: 'files' }
  | { kind: 'langfuse'; baseUrl?: string; publicKey: string; secretKeySecretArn: string; label?: string };

/**
 * Customer-managed KMS encryption for the bucket, the table and the queues: keys the stack
 * creates (rotating, retained), or one existing key by ARN, whose key policy must then allow
 * `s3.amazonaws.com` and `events.amazonaws.com` kms:GenerateDataKey and kms:Decrypt (they send
 * to the queues).
 */
export type EncryptionKeySettings = { kind: 'create' } | { kind: 'existing'; keyArn: string };

export interface DdxAssistStackProps extends StackProps {
  /** Default: AWS-owned and S3/SQS-managed keys, no key to manage. */
  encryptionKey?: EncryptionKeySettings;
  /** The folder `npm run bundle:lambda` writes (`dist-lambda/`): deployed as it is. */
  lambdaBundleDirectory: string;
  /** Must match the bundle's sharp binary (its manifest says which); default x64. */
  lambdaCpu?: LambdaCpu;
  /** Uploads under this prefix are processed (default `uploads/`). */
  inputPrefix?: string;
  /** Crops and oversize records are written here; never under the input prefix (default `derived/`). */
  derivedPrefix?: string;
  /**
   * Only keys with one of these suffixes trigger the function (S3 filters are case-sensitive:
   * list `.JPG` too). Default: none, every upload does. The pipeline recognises formats from the
   * bytes and records a clear failure for unsupported ones (HEIC, DICOM), which a suffix filter
   * would silently drop; sidecars (`.meta.json`) are skipped by the handler.
   */
  inputSuffixes?: readonly string[];
  /** The SageMaker endpoints the routing table calls: the function may invoke these only. */
  sageMakerEndpointNames?: readonly string[];
  /** A Secrets Manager secret (full ARN) whose string is the Roboflow API key. */
  roboflowApiKeySecretArn?: string;
  /** A self-hosted Roboflow inference server; default the hosted API. */
  roboflowApiUrl?: string;
  /** Default: the offline knowledge base, no LLM. */
  recommender?: RecommenderSettings;
  /** Default: the prompt files in the bundle. */
  promptSource?: PromptSourceSettings;
  /** Default `info`. */
  logLevel?: LogLevel;
  /** Caps the function's concurrency (and so the load on model endpoints); default unreserved. */
  reservedConcurrency?: number;
  /** Alarms notify this SNS topic; default no action (the alarms are still visible in CloudWatch). */
  alarmTopicArn?: string;
  /** The oldest-message alarm threshold; default 15 minutes. */
  maxQueueAgeSeconds?: number;
  /** Uploads failing transiently within 5 minutes that raise the alarm; 5 by default. */
  maxTransientFailures?: number;
  /** Where the API is served: the links in events and outputs (DDX_PUBLIC_URL). */
  publicUrl?: string;
  /** The CloudEvents `source` of record events; default `/ddx-assist`. */
  eventSource?: string;
  /** A signed webhook for record events: its URL, and a secret (full ARN) whose string is `whsec_...`. */
  webhook?: { url: string; secretArn: string };
  /**
   * Push every record to a FHIR server: a bearer token from a secret, or SMART backend services
   * (client id, key id, and a secret holding the private key as PKCS #8 PEM or a JWK).
   */
  fhirPush?: {
    baseUrl: string;
    bearerTokenSecretArn?: string;
    smart?: {
      clientId: string;
      keyId: string;
      privateKeySecretArn: string;
      tokenUrl?: string;
      scope?: string;
    };
  };
  /** The workspace as a Lambda behind a Function URL (infra/web-app.ts); none when absent. */
  webApp?: WebAppSettings;
}

/** S3 server access logs are kept this long, then expire. */
export const accessLogRetentionDays = 365;

/** Sized for decoding a 12-megapixel photo with sharp and holding the SDK clients. */
export const functionMemoryMb = 1536;
export const functionTimeout = Duration.seconds(120);
/** Small batches: one slow image delays only a few others, and a retry repeats little work. */
export const batchSize = 5;
/** After this many failed receives a message goes to the dead-letter queue. */
export const maxReceiveCount = 3;

/**
 * Secrets reach the function as ARNs (`ROBOFLOW_API_KEY_SECRET_ARN`), never as values: a value in
 * an environment variable is readable by anyone allowed to view the function's configuration.
 * The handler reads each secret into `name` when it starts.
 */
export const secretArnVariable = (name: string) => `${name}_SECRET_ARN`;

/** The sinks' plain settings; their secrets travel as ARNs with the others. */
function eventSinkEnvironment(props: DdxAssistStackProps): Record<string, string> {
  const environment: Record<string, string> = {};
  if (props.publicUrl) environment.DDX_PUBLIC_URL = props.publicUrl;
  if (props.webhook) environment.DDX_WEBHOOK_URL = props.webhook.url;
  const fhir = props.fhirPush;
  if (fhir) {
    environment.DDX_FHIR_BASE_URL = fhir.baseUrl;
    if (fhir.smart) {
      environment.DDX_FHIR_CLIENT_ID = fhir.smart.clientId;
      environment.DDX_FHIR_KEY_ID = fhir.smart.keyId;
      if (fhir.smart.tokenUrl) environment.DDX_FHIR_TOKEN_URL = fhir.smart.tokenUrl;
      if (fhir.smart.scope) environment.DDX_FHIR_SCOPE = fhir.smart.scope;
    }
  }
  return environment;
}

function checkedPrefix(value: string, what: string): string {
  if (!/^[^/].*\/$/.test(value)) throw new Error(`${what} "${value}" must be non-empty and end with "/"`);
  return value;
}

function checkedBundleDirectory(directory: string, cpu: LambdaCpu): string {
  const absolute = resolve(directory);
  if (!existsSync(join(absolute, lambdaBundleLayout.entryFile))) {
    throw new Error(
      `no Lambda bundle in ${absolute} (${lambdaBundleLayout.entryFile} is missing): run \`npm run bundle:lambda\` first`,
    );
  }
  const manifest = readLambdaBundleManifest(absolute);
  if (manifest && manifest.cpu !== cpu) {
    throw new Error(
      `the bundle in ${absolute} ships sharp for linux-${manifest.cpu} but the function is ${cpu}: rebundle with --cpu ${cpu} or deploy with -c lambdaCpu=${manifest.cpu}`,
    );
  }
  return absolute;
}

export class DdxAssistStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly table: dynamodb.Table;
  readonly function: lambda.Function;
  /** The workspace, when `webApp` is given. */
  readonly webApp: WebApp | undefined;
  readonly recordEvents: RecordEvents;

  constructor(scope: Construct, id: string, props: DdxAssistStackProps) {
    super(scope, id, props);
    // Access logs are delivered under a bucket policy, not an ACL: the log bucket enforces bucket
    // ownership, so ACLs are off. Set before any bucket exists, whatever the app's cdk.json says.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const inputPrefix = checkedPrefix(props.inputPrefix ?? 'uploads/', 'inputPrefix');
    const derivedPrefix = checkedPrefix(props.derivedPrefix ?? 'derived/', 'derivedPrefix');
    // A crop written under the input prefix would notify the queue and process itself, forever.
    if (derivedPrefix.startsWith(inputPrefix) || inputPrefix.startsWith(derivedPrefix)) {
      throw new Error(`inputPrefix "${inputPrefix}" and derivedPrefix "${derivedPrefix}" must not overlap`);
    }
    const cpu = props.lambdaCpu ?? defaultLambdaCpu;
    const bundleDirectory = checkedBundleDirectory(props.lambdaBundleDirectory, cpu);
    const recommender = props.recommender ?? { kind: 'knowledge-base' };
    const promptSource = props.promptSource ?? { kind: 'files' };

    const keys = this.encryptionKeysFor(props.encryptionKey);
    const key = keys?.data;
    // Who read or wrote which object, kept apart from the data. Log delivery writes with S3-managed
    // keys only (access logs cannot go to a bucket encrypted with SSE-KMS).
    const accessLogs = new s3.Bucket(this, 'AccessLogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(accessLogRetentionDays) }],
    });
    // Uploads and crops are patient data: kept when the stack goes, every version kept, so a
    // record id (bucket + key + version) always names the bytes that were analysed.
    this.bucket = new s3.Bucket(this, 'ImageBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      ...(key
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'image-bucket/',
    });

    const queueEncryption = keys
      ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: keys.queues }
      : { encryption: sqs.QueueEncryption.SQS_MANAGED };
    this.deadLetterQueue = new sqs.Queue(this, 'UploadDeadLetterQueue', {
      ...queueEncryption,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // SQS-managed encryption, or the customer key: S3 cannot send notifications to a queue
    // encrypted with the AWS-managed aws/sqs key, whose policy cannot be changed.
    this.queue = new sqs.Queue(this, 'UploadQueue', {
      ...queueEncryption,
      enforceSSL: true,
      // AWS's rule for Lambda event sources: six times the function timeout, so a message being
      // retried by the poller is not handed to a second invocation meanwhile.
      visibilityTimeout: Duration.seconds(functionTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    const queueDestination = new s3Notifications.SqsDestination(this.queue);
    const suffixes = props.inputSuffixes ?? [];
    if (suffixes.length === 0) {
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, queueDestination, {
        prefix: inputPrefix,
      });
    }
    for (const suffix of suffixes) {
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, queueDestination, {
        prefix: inputPrefix,
        suffix,
      });
    }

    const { partitionKey, statusIndex } = resultTableKeys;
    this.table = new dynamodb.Table(this, 'ResultTable', {
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(key
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: key }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      // Abandoned claims of crashed runs expire; records have no ttl attribute and stay.
      timeToLiveAttribute,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: statusIndex.name,
      partitionKey: { name: statusIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: statusIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    const logGroup = new logs.LogGroup(this, 'InferenceLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Our own role, so that it holds only the statements below: the default role's managed
    // policy would let the function write to every log group in the account.
    const role = new iam.Role(this, 'InferenceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'DDx Assist inference: reads uploads, writes crops and records, calls the configured models',
    });
    logGroup.grantWrite(role);

    const secrets: Record<string, string> = {};
    if (props.roboflowApiKeySecretArn) secrets.ROBOFLOW_API_KEY = props.roboflowApiKeySecretArn;
    if (recommender.kind === 'openai' && recommender.apiKeySecretArn) {
      secrets.OPENAI_API_KEY = recommender.apiKeySecretArn;
    }
    if (promptSource.kind === 'langfuse') secrets.LANGFUSE_SECRET_KEY = promptSource.secretKeySecretArn;
    if (props.webhook) secrets.DDX_WEBHOOK_SECRET = props.webhook.secretArn;
    if (props.fhirPush?.bearerTokenSecretArn)
      secrets.DDX_FHIR_BEARER_TOKEN = props.fhirPush.bearerTokenSecretArn;
    if (props.fhirPush?.smart) secrets.DDX_FHIR_PRIVATE_KEY = props.fhirPush.smart.privateKeySecretArn;
    this.recordEvents = new RecordEvents(this, 'RecordEvents', {
      eventSource: props.eventSource ?? '/ddx-assist',
      encryptionKey: keys?.queues,
    });

    const environment: Record<string, string> = {
      DDX_BLOB_STORE: 's3',
      DDX_BUCKET: this.bucket.bucketName,
      DDX_RESULT_STORE: 'dynamodb',
      DDX_TABLE: this.table.tableName,
      DDX_INPUT_PREFIX: inputPrefix,
      DDX_DERIVED_PREFIX: derivedPrefix,
      ...bundledFileEnvironment(lambdaTaskRoot),
      // The task root is read-only; nothing should write locally, but if it does, /tmp.
      DDX_DATA_DIR: '/tmp/ddx',
      // In Lambda the pipeline logs through Powertools, which reads its own variable (upper case).
      POWERTOOLS_LOG_LEVEL: (props.logLevel ?? 'info').toUpperCase(),
      DDX_RECOMMENDER: recommender.kind,
      DDX_PROMPT_SOURCE: promptSource.kind,
      ...Object.fromEntries(Object.entries(secrets).map(([name, arn]) => [secretArnVariable(name), arn])),
      ...this.recordEvents.environment,
      ...eventSinkEnvironment(props),
    };
    if (props.roboflowApiUrl) environment.ROBOFLOW_API_URL = props.roboflowApiUrl;
    if (recommender.kind === 'openai') {
      environment.DDX_LLM_MODEL = recommender.model;
      if (recommender.baseUrl) environment.OPENAI_BASE_URL = recommender.baseUrl;
    }
    if (recommender.kind === 'bedrock') environment.DDX_LLM_MODEL = recommender.modelId;
    if (promptSource.kind === 'langfuse') {
      environment.LANGFUSE_PUBLIC_KEY = promptSource.publicKey;
      if (promptSource.baseUrl) environment.LANGFUSE_BASE_URL = promptSource.baseUrl;
      if (promptSource.label) environment.DDX_PROMPT_LABEL = promptSource.label;
    }

    this.function = new lambda.Function(this, 'InferenceFunction', {
      description: 'DDx Assist: one uploaded image in, one diagnostic suggestion record out',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: cpu === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      // The bundle script's folder as it is, not NodejsFunction: synth runs neither esbuild nor
      // Docker (offline, fast, deterministic in tests), sharp's Linux binary and the routing table
      // ship with the code, and the bundle's checks (no onnxruntime or better-sqlite3 at start-up)
      // live in one place, the script.
      code: lambda.Code.fromAsset(bundleDirectory),
      handler: lambdaBundleLayout.handler,
      memorySize: functionMemoryMb,
      timeout: functionTimeout,
      role,
      logGroup,
      environment,
      reservedConcurrentExecutions: props.reservedConcurrency,
    });
    this.function.addEventSource(
      new SqsEventSource(this.queue, { batchSize, reportBatchItemFailures: true }),
    );
    this.recordEvents.attach(this.function, role);

    this.grantLeastPrivilege(role, { inputPrefix, derivedPrefix, props, recommender, secrets });
    // Objects, items and messages under the customer key: the function reads and writes them all.
    if (keys) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'UseDataKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [...new Set([keys.data.keyArn, keys.queues.keyArn])],
        }),
      );
    }
    if (props.webApp) {
      this.webApp = new WebApp(this, 'WebApp', {
        ...props.webApp,
        code: lambda.Code.fromAsset(bundleDirectory),
        architecture: cpu === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
        role,
        environment,
        memorySize: functionMemoryMb,
      });
    }
    this.addAlarms(props);

    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'UploadPrefix', { value: inputPrefix, description: 'Upload images here' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'FunctionName', { value: this.function.functionName });
    new CfnOutput(this, 'EventBusName', { value: this.recordEvents.bus.eventBusName });
    new CfnOutput(this, 'ReviewQueueUrl', {
      value: this.recordEvents.reviewQueue.queueUrl,
      description: 'Example rule target: uncertain and out-of-scope results',
    });
  }

  /**
   * The customer-managed keys, when asked for: one for data at rest (bucket, table), one for the
   * queues. A created queue key is its own key because S3's notification grant on it names the
   * bucket, and the bucket's encryption names the data key: one key for both would be a
   * dependency cycle. CDK adds the S3 and EventBridge grants to a created key's policy; an
   * existing key's policy is the owner's to set (docs/deployment.md).
   */
  private encryptionKeysFor(
    settings: EncryptionKeySettings | undefined,
  ): { data: kms.IKey; queues: kms.IKey } | undefined {
    if (!settings) return undefined;
    if (settings.kind === 'existing') {
      const key = kms.Key.fromKeyArn(this, 'EncryptionKey', settings.keyArn);
      return { data: key, queues: key };
    }
    const created = (id: string, description: string) =>
      new kms.Key(this, id, { description, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    return {
      data: created('EncryptionKey', 'DDx Assist: uploads, crops and records'),
      queues: created('QueueEncryptionKey', 'DDx Assist: upload and review queue messages'),
    };
  }

  /** Every action named, every resource as narrow as the code's calls allow. */
  private grantLeastPrivilege(
    role: iam.Role,
    settings: {
      inputPrefix: string;
      derivedPrefix: string;
      props: DdxAssistStackProps;
      recommender: RecommenderSettings;
      secrets: Record<string, string>;
    },
  ): void {
    const { inputPrefix, derivedPrefix, props, recommender, secrets } = settings;
    const objects = (prefix: string) => this.bucket.arnForObjects(`${prefix}*`);
    const allow = (
      sid: string,
      actions: string[],
      resources: string[],
      conditions?: Record<string, unknown>,
    ) => role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources, conditions }));

    // Uploads and their `.meta.json` sidecars (HeadObject is authorised as GetObject).
    allow('ReadUploads', ['s3:GetObject', 's3:GetObjectVersion'], [objects(inputPrefix)]);
    // Crops, and records too large for a DynamoDB item (`<derived>records/...`, dynamodb.ts).
    allow('WriteDerived', ['s3:PutObject'], [objects(derivedPrefix)]);
    // An oversize record is read back when a repeated event finds it already stored.
    allow('ReadOverflowRecords', ['s3:GetObject'], [objects(`${derivedPrefix}records/`)]);
    // Without ListBucket, S3 answers a missing key with 403 instead of 404, and every upload
    // without a sidecar would fail as "access denied". It lists key names only, never content,
    // and only under the prefixes the function reads (S3 judges a missing key by its prefix).
    allow('TellMissingFromForbidden', ['s3:ListBucket'], [this.bucket.bucketArn], {
      StringLike: { 's3:prefix': [`${inputPrefix}*`, `${derivedPrefix}*`] },
    });

    // The calls dynamodb.ts makes: records, claims and outbox entries by key (UpdateItem: the
    // outbox's claims and outcomes), the status index for listing and for what is due.
    allow(
      'ReadWriteResultItems',
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      [this.table.tableArn],
    );
    allow(
      'ListResultsByStatus',
      ['dynamodb:Query'],
      [`${this.table.tableArn}/index/${resultTableKeys.statusIndex.name}`],
    );

    const endpoints = props.sageMakerEndpointNames ?? [];
    if (endpoints.length > 0) {
      allow(
        'InvokeConfiguredEndpoints',
        ['sagemaker:InvokeEndpoint'],
        endpoints.map((name) => sageMakerEndpointArn(this, name)),
      );
    }
    if (recommender.kind === 'bedrock') {
      // Converse is authorised as InvokeModel.
      allow('InvokeConfiguredModel', ['bedrock:InvokeModel'], bedrockModelArns(this, recommender.modelId));
    }
    const secretArns = Object.values(secrets);
    if (secretArns.length > 0) allow('ReadApiKeys', ['secretsmanager:GetSecretValue'], secretArns);
  }

  private addAlarms(props: DdxAssistStackProps): void {
    const fiveMinutes = Duration.minutes(5);
    const oneMinute = Duration.minutes(1);
    const { GREATER_THAN_OR_EQUAL_TO_THRESHOLD: atLeast, GREATER_THAN_THRESHOLD: above } =
      cloudwatch.ComparisonOperator;
    /** No data is no trouble: a quiet service raises nothing. */
    const alarm = (
      id: string,
      alarmDescription: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      comparisonOperator: cloudwatch.ComparisonOperator,
      evaluationPeriods = 1,
    ) =>
      new cloudwatch.Alarm(this, id, {
        alarmDescription,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const sum = { period: fiveMinutes, statistic: cloudwatch.Stats.SUM };
    const latest = { period: oneMinute, statistic: cloudwatch.Stats.MAXIMUM };
    const alarms = [
      alarm(
        'FunctionErrorsAlarm',
        'The inference function failed (an error escaped the handler, or a timeout)',
        this.function.metricErrors(sum),
        1,
        atLeast,
      ),
      alarm(
        'FunctionThrottlesAlarm',
        'Invocations of the inference function were throttled',
        this.function.metricThrottles(sum),
        1,
        atLeast,
      ),
      alarm(
        'TransientFailuresAlarm',
        'Uploads failed for reasons a retry may fix (a dependency down or throttling, the deadline): they are being retried',
        new cloudwatch.Metric({
          namespace: metricsNamespace,
          metricName: 'TransientFailures',
          dimensionsMap: { service: serviceName },
          ...sum,
        }),
        props.maxTransientFailures ?? 5,
        atLeast,
      ),
      alarm(
        'DeadLetterMessagesAlarm',
        'Uploads failed every retry and wait in the dead-letter queue: nobody got a record',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible(latest),
        0,
        above,
      ),
      alarm(
        'OldestUploadAgeAlarm',
        'Uploads wait too long: the function is failing, throttled or behind',
        this.queue.metricApproximateAgeOfOldestMessage(latest),
        props.maxQueueAgeSeconds ?? 900,
        above,
        3,
      ),
    ];
    if (props.alarmTopicArn) {
      const action = new cloudwatchActions.SnsAction(
        sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn),
      );
      for (const alarm of alarms) alarm.addAlarmAction(action);
    }
  }
}
