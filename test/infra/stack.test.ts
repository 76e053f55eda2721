/**
 * The CDK stack, synthesised offline against a stand-in bundle folder (so this test never needs
 * the real bundle built): wiring, encryption, least-privilege IAM and alarms, read from the
 * template CloudFormation would receive.
 */

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DdxAssistStack, type DdxAssistStackProps, functionTimeout } from '../../infra/ddx-assist-stack.js';
import { lambdaBundleLayout } from '../../infra/lambda-bundle.js';
import { stackSettingsFromContext } from '../../infra/stack-context.js';
import { resultTableDefinition } from '../../src/adapters/result-store/dynamodb-table.js';
import { type AllowStatement, identityAllowStatements, logicalIdOf, renderValue } from './template-values.js';

// Read at synth time: no telemetry attempt, and no CloudFormation rule validation (5-15 s per synth
// here), which one test below turns back on.
process.env.CDK_DISABLE_CLI_TELEMETRY = 'true';
process.env.CDK_VALIDATION = 'false';

const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ddx/roboflow-AbCdEf';

let bundleDirectory: string;

async function standInBundle(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'ddx-stack-bundle-'));
  await writeFile(
    join(directory, lambdaBundleLayout.entryFile),
    'export const handler = async () => ({ batchItemFailures: [] });\n',
  );
  return directory;
}

function synthesise(props: Partial<DdxAssistStackProps> = {}): Template {
  const app = new App();
  const stack = new DdxAssistStack(app, 'DdxAssistTest', {
    lambdaBundleDirectory: bundleDirectory,
    env: { account: '123456789012', region: 'eu-west-1' },
    ...props,
  });
  return Template.fromStack(stack);
}

before(async () => {
  bundleDirectory = await standInBundle();
});
after(() => rm(bundleDirectory, { recursive: true, force: true }));

describe('DdxAssistStack with remote models and Bedrock', () => {
  let template: Template;
  let bucketId: string;
  let queueId: string;
  let deadLetterId: string;
  let tableId: string;
  let statements: AllowStatement[];
  const allowing = (action: string) => statements.filter((statement) => statement.actions.includes(action));

  before(() => {
    template = synthesise({
      sageMakerEndpointNames: ['Derm-Lesion-V3', 'rash-classifier-v1'],
      roboflowApiKeySecretArn: secretArn,
      recommender: { kind: 'bedrock', modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' },
    });
    bucketId = logicalIdOf(template, 'AWS::S3::Bucket', 'ImageBucket');
    queueId = logicalIdOf(template, 'AWS::SQS::Queue', 'UploadQueue');
    deadLetterId = logicalIdOf(template, 'AWS::SQS::Queue', 'UploadDeadLetterQueue');
    tableId = logicalIdOf(template, 'AWS::DynamoDB::Table', 'ResultTable');
    statements = identityAllowStatements(template);
  });

  it('notifies the queue of objects created under the input prefix, and of nothing else', () => {
    const notifications = Object.values(template.findResources('Custom::S3BucketNotifications'));
    assert.equal(notifications.length, 1);
    const configuration = notifications[0]?.Properties?.NotificationConfiguration;
    assert.equal(renderValue(notifications[0]?.Properties?.BucketName), bucketId);
    assert.deepEqual(Object.keys(configuration).sort(), ['QueueConfigurations']);
    assert.deepEqual(configuration.QueueConfigurations, [
      {
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
        QueueArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      },
    ]);
    // S3 may send to the queue, and only on behalf of this bucket.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId, 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  it('redrives messages that keep failing to a dead-letter queue kept for 14 days', () => {
    const queue = template.findResources('AWS::SQS::Queue')[queueId]?.Properties;
    assert.deepEqual(queue?.RedrivePolicy, {
      deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterId, 'Arn'] },
      maxReceiveCount: 3,
    });
    assert.ok(queue?.VisibilityTimeout >= 6 * functionTimeout.toSeconds(), 'visibility >= 6x the timeout');
    const deadLetter = template.findResources('AWS::SQS::Queue')[deadLetterId]?.Properties;
    assert.equal(deadLetter?.MessageRetentionPeriod, 14 * 24 * 3600);
    assert.equal(deadLetter?.RedrivePolicy, undefined);
  });

  it('runs the bundle on nodejs22.x (x86_64, as its sharp binary) and reports batch item failures', () => {
    const functionId = logicalIdOf(template, 'AWS::Lambda::Function', 'InferenceFunction');
    const properties = template.findResources('AWS::Lambda::Function')[functionId]?.Properties;
    assert.equal(properties?.Handler, lambdaBundleLayout.handler);
    assert.equal(properties?.Runtime, 'nodejs22.x');
    assert.deepEqual(properties?.Architectures, ['x86_64']);
    assert.equal(properties?.MemorySize, 1536);
    assert.equal(properties?.Timeout, 120);
    const variables = properties?.Environment?.Variables;
    assert.equal(variables?.DDX_BLOB_STORE, 's3');
    assert.equal(renderValue(variables?.DDX_BUCKET), bucketId);
    assert.equal(variables?.DDX_RESULT_STORE, 'dynamodb');
    assert.equal(renderValue(variables?.DDX_TABLE), tableId);
    assert.equal(variables?.DDX_INPUT_PREFIX, 'uploads/');
    assert.equal(variables?.DDX_DERIVED_PREFIX, 'derived/');
    assert.equal(variables?.DDX_ROUTES, '/var/task/models/routes.yaml');
    assert.equal(variables?.DDX_RECOMMENDER, 'bedrock');
    assert.equal(variables?.ROBOFLOW_API_KEY_SECRET_ARN, secretArn);
    // Secrets travel as ARNs: no key's value is ever in the function's configuration.
    assert.equal(variables?.ROBOFLOW_API_KEY, undefined);

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: functionId },
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('keeps results in an on-demand, recoverable, encrypted table shaped as the adapter expects', () => {
    const definition = resultTableDefinition('unused');
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        KeySchema: definition.KeySchema,
        AttributeDefinitions: Match.arrayEquals(definition.AttributeDefinitions ?? []),
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes,
      },
    });
  });

  it('encrypts the bucket, both queues and the table, and refuses plain HTTP', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
      },
    });
    for (const [id, queue] of Object.entries(template.findResources('AWS::SQS::Queue'))) {
      assert.equal(queue.Properties?.SqsManagedSseEnabled, true, `${id} is encrypted`);
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true } });
    const deniesPlainHttp = {
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(deniesPlainHttp)]) },
    });
    for (const id of [queueId, deadLetterId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(deniesPlainHttp)]) },
      });
    }
  });

  it('lists key names under the input and derived prefixes only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'TellMissingFromForbidden',
            Action: 's3:ListBucket',
            Condition: { StringLike: { 's3:prefix': ['uploads/*', 'derived/*'] } },
          }),
        ]),
      },
    });
  });

  it('keeps S3 server access logs in a bucket of their own, private, encrypted, expiring', () => {
    const logBucketId = logicalIdOf(template, 'AWS::S3::Bucket', 'AccessLogBucket');
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logBucketId }, LogFilePrefix: 'image-bucket/' },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365, Status: 'Enabled' })] },
        PublicAccessBlockConfiguration: Match.objectLike({
          BlockPublicAcls: true,
          RestrictPublicBuckets: true,
        }),
      }),
    });
    // Log delivery may write there; nothing else is granted on it.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 's3:PutObject', Principal: { Service: 'logging.s3.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('grants no wildcard action in any identity policy', () => {
    assert.ok(statements.length > 0);
    for (const statement of statements) {
      for (const action of statement.actions) {
        assert.ok(!action.includes('*'), `${statement.policy} ${statement.sid ?? ''} allows ${action}`);
      }
    }
  });

  it('lets the function read uploads only, write derived objects only, and read back oversize records', () => {
    const objectsUnder = (prefix: string) => `${bucketId}.Arn/${prefix}*`;
    const readResources = allowing('s3:GetObject').flatMap((statement) => statement.resources);
    assert.deepEqual(readResources.sort(), [objectsUnder('derived/records/'), objectsUnder('uploads/')]);
    const versionResources = allowing('s3:GetObjectVersion').flatMap((statement) => statement.resources);
    assert.deepEqual(versionResources, [objectsUnder('uploads/')]);
    const writeResources = allowing('s3:PutObject').flatMap((statement) => statement.resources);
    assert.deepEqual(writeResources, [objectsUnder('derived/')]);
    // Listing is on the bucket alone (so a missing sidecar is a 404), never on objects.
    assert.deepEqual(
      allowing('s3:ListBucket').flatMap((statement) => statement.resources),
      [`${bucketId}.Arn`],
    );
    const s3Actions = new Set(
      statements.flatMap((statement) => statement.actions).filter((action) => action.startsWith('s3:')),
    );
    // The notifications custom resource (CDK's) may configure the bucket's notifications.
    assert.deepEqual([...s3Actions].sort(), [
      's3:GetObject',
      's3:GetObjectVersion',
      's3:ListBucket',
      's3:PutBucketNotification',
      's3:PutObject',
    ]);
  });

  it('limits DynamoDB to item reads and writes on the table and queries on its status index', () => {
    const dynamoStatements = statements.filter((statement) =>
      statement.actions.some((action) => action.startsWith('dynamodb:')),
    );
    const permitted = new Set([
      'dynamodb:PutItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ]);
    for (const statement of dynamoStatements) {
      for (const action of statement.actions) assert.ok(permitted.has(action), `unexpected ${action}`);
      for (const resource of statement.resources) {
        assert.ok(
          resource === `${tableId}.Arn` || resource === `${tableId}.Arn/index/by-status`,
          `unexpected resource ${resource}`,
        );
      }
    }
    assert.deepEqual(
      allowing('dynamodb:Query').flatMap((statement) => statement.resources),
      [`${tableId}.Arn/index/by-status`],
    );
  });

  it('lets the function invoke the configured endpoints and model only, and read the API key secret', () => {
    const endpointArns = allowing('sagemaker:InvokeEndpoint').flatMap((statement) => statement.resources);
    assert.deepEqual(endpointArns.sort(), [
      // Lower case, as SageMaker writes endpoint ARNs.
      'arn:<AWS::Partition>:sagemaker:eu-west-1:123456789012:endpoint/derm-lesion-v3',
      'arn:<AWS::Partition>:sagemaker:eu-west-1:123456789012:endpoint/rash-classifier-v1',
    ]);
    assert.deepEqual(
      allowing('bedrock:InvokeModel').flatMap((statement) => statement.resources),
      ['arn:<AWS::Partition>:bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0'],
    );
    assert.deepEqual(
      allowing('secretsmanager:GetSecretValue').flatMap((statement) => statement.resources),
      [secretArn],
    );
  });

  it('alarms on function errors and throttles, transient failures, dead letters, and the oldest waiting upload', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties,
    );
    const alarmOn = (namespace: string, metricName: string) => {
      const found = alarms.filter(
        (alarm) => alarm?.Namespace === namespace && alarm?.MetricName === metricName,
      );
      assert.equal(found.length, 1, `one alarm on ${namespace} ${metricName}`);
      return found[0];
    };
    const functionId = logicalIdOf(template, 'AWS::Lambda::Function', 'InferenceFunction');
    for (const metric of ['Errors', 'Throttles']) {
      const alarm = alarmOn('AWS/Lambda', metric);
      assert.deepEqual(alarm?.Dimensions, [{ Name: 'FunctionName', Value: { Ref: functionId } }]);
      assert.equal(alarm?.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
      assert.equal(alarm?.Threshold, 1);
    }
    const deadLetters = alarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible');
    assert.equal(renderValue(deadLetters?.Dimensions?.[0]?.Value), `${deadLetterId}.QueueName`);
    assert.equal(deadLetters?.ComparisonOperator, 'GreaterThanThreshold');
    assert.equal(deadLetters?.Threshold, 0);
    const oldest = alarmOn('AWS/SQS', 'ApproximateAgeOfOldestMessage');
    assert.equal(renderValue(oldest?.Dimensions?.[0]?.Value), `${queueId}.QueueName`);
    const transient = alarmOn('DDxAssist', 'TransientFailures');
    assert.deepEqual(transient?.Dimensions, [{ Name: 'service', Value: 'ddx-assist' }]);
    assert.equal(transient?.Statistic, 'Sum');
    assert.equal(transient?.Threshold, 5);
    assert.equal(alarms.length, 5);
  });
});

describe('DdxAssistStack with the defaults', () => {
  let template: Template;
  before(() => {
    template = synthesise({ inputSuffixes: ['.jpg', '.JPG'] });
  });

  it('grants no model or secret access when none is configured', () => {
    const actions = identityAllowStatements(template).flatMap((statement) => statement.actions);
    for (const action of [
      'sagemaker:InvokeEndpoint',
      'bedrock:InvokeModel',
      'secretsmanager:GetSecretValue',
    ]) {
      assert.ok(!actions.includes(action), `${action} is not granted`);
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: lambdaBundleLayout.handler,
      Environment: {
        Variables: Match.objectLike({ DDX_RECOMMENDER: 'knowledge-base', DDX_PROMPT_SOURCE: 'files' }),
      },
    });
  });

  it('adds one notification per suffix, each still under the input prefix', () => {
    const [notifications] = Object.values(template.findResources('Custom::S3BucketNotifications'));
    const rules = notifications?.Properties?.NotificationConfiguration?.QueueConfigurations.map(
      (configuration: { Filter: { Key: { FilterRules: unknown } } }) => configuration.Filter.Key.FilterRules,
    );
    assert.deepEqual(rules, [
      [
        { Name: 'suffix', Value: '.jpg' },
        { Name: 'prefix', Value: 'uploads/' },
      ],
      [
        { Name: 'suffix', Value: '.JPG' },
        { Name: 'prefix', Value: 'uploads/' },
      ],
    ]);
  });
});

describe('DdxAssistStack with a customer-managed KMS key', () => {
  const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('creates rotating keys: one for the bucket and the table, one for every queue', () => {
    const template = synthesise({ encryptionKey: { kind: 'create' } });
    const keyId = logicalIdOf(template, 'AWS::KMS::Key', 'EncryptionKey');
    const queueKeyId = logicalIdOf(template, 'AWS::KMS::Key', 'QueueEncryptionKey');
    for (const key of Object.values(template.findResources('AWS::KMS::Key'))) {
      assert.deepEqual([key.DeletionPolicy, key.Properties?.EnableKeyRotation], ['Retain', true]);
    }
    const keyArnRef = { 'Fn::GetAtt': [keyId, 'Arn'] };
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArnRef },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArnRef },
    });
    const queues = Object.entries(template.findResources('AWS::SQS::Queue'));
    assert.equal(queues.length, 3);
    for (const [id, queue] of queues) {
      assert.deepEqual(
        queue.Properties?.KmsMasterKeyId,
        { 'Fn::GetAtt': [queueKeyId, 'Arn'] },
        `${id} uses the key`,
      );
    }
    // S3 notifications and the EventBridge rule can still deliver to the encrypted queues.
    for (const service of ['s3.amazonaws.com', 'events.amazonaws.com']) {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt']), Principal: { Service: service } }),
          ]),
        },
      });
    }
    const useKey = identityAllowStatements(template).filter((statement) => statement.sid === 'UseDataKey');
    assert.deepEqual(
      useKey.map((statement) => [statement.actions, statement.resources]),
      [
        [
          ['kms:Decrypt', 'kms:GenerateDataKey'],
          [`${keyId}.Arn`, `${queueKeyId}.Arn`],
        ],
      ],
    );
  });

  it('uses an existing key by ARN, granting the function that key only', () => {
    const template = synthesise({ encryptionKey: { kind: 'existing', keyArn } });
    assert.equal(Object.keys(template.findResources('AWS::KMS::Key')).length, 0);
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { KMSMasterKeyId: keyArn } });
    for (const queue of Object.values(template.findResources('AWS::SQS::Queue'))) {
      assert.equal(queue.Properties?.KmsMasterKeyId, keyArn);
    }
    const useKey = identityAllowStatements(template).filter((statement) => statement.sid === 'UseDataKey');
    assert.deepEqual(
      useKey.map((statement) => statement.resources),
      [[keyArn]],
    );
  });

  it('keeps S3- and SQS-managed keys, and no key grant, by default', () => {
    const template = synthesise();
    assert.equal(Object.keys(template.findResources('AWS::KMS::Key')).length, 0);
    const actions = identityAllowStatements(template).flatMap((statement) => statement.actions);
    assert.ok(!actions.some((action) => action.startsWith('kms:')));
  });
});

describe('DdxAssistStack refuses a deployment that cannot work', () => {
  it('refuses a derived prefix inside the input prefix (crops would trigger the function)', () => {
    assert.throws(() => synthesise({ derivedPrefix: 'uploads/derived/' }), /must not overlap/);
  });

  it('refuses a folder without a bundle', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ddx-stack-empty-'));
    try {
      assert.throws(() => synthesise({ lambdaBundleDirectory: empty }), /npm run bundle:lambda/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('refuses a bundle whose sharp binary is for the other CPU', async () => {
    const arm = await standInBundle();
    try {
      await writeFile(
        join(arm, lambdaBundleLayout.manifestFile),
        JSON.stringify({
          cpu: 'arm64',
          libc: 'glibc',
          nodeMajor: 22,
          handler: lambdaBundleLayout.handler,
          nativePackages: { sharp: '0.35.5', '@img/sharp-linux-arm64': '0.35.5' },
        }),
      );
      assert.throws(() => synthesise({ lambdaBundleDirectory: arm }), /ships sharp for linux-arm64/);
      const template = synthesise({ lambdaBundleDirectory: arm, lambdaCpu: 'arm64' });
      template.hasResourceProperties('AWS::Lambda::Function', { Architectures: ['arm64'] });
    } finally {
      await rm(arm, { recursive: true, force: true });
    }
  });
});

describe('CloudFormation template validation', () => {
  it('finds nothing to report in the template (the check every cdk synth and deploy runs)', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'ddx-stack-validated-'));
    const disabled = process.env.CDK_VALIDATION;
    delete process.env.CDK_VALIDATION;
    try {
      // As in cdk.json: a finding fails the synth instead of printing a warning.
      const app = new App({ outdir, context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
      new DdxAssistStack(app, 'DdxAssistValidated', {
        lambdaBundleDirectory: bundleDirectory,
        sageMakerEndpointNames: ['derm-lesion-v3'],
        roboflowApiKeySecretArn: secretArn,
        recommender: { kind: 'bedrock', modelId: 'eu.anthropic.claude-3-7-sonnet-20250219-v1:0' },
        alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ddx-alarms',
      });
      app.synth();
      // The report is written only when the validation ran; it lists findings, none here.
      const report = JSON.parse(await readFile(join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: { violations?: { ruleName: string; description: string }[] }[];
      };
      const findings = report.pluginReports.flatMap((plugin) => plugin.violations ?? []);
      assert.deepEqual(
        findings.map((finding) => `${finding.ruleName}: ${finding.description}`),
        [],
      );
    } finally {
      if (disabled === undefined) delete process.env.CDK_VALIDATION;
      else process.env.CDK_VALIDATION = disabled;
      await rm(outdir, { recursive: true, force: true });
    }
  });
});

describe('stack parameters from CDK context', () => {
  const settingsFor = (context: Record<string, unknown>) =>
    stackSettingsFromContext(new App({ context }).node);

  it('reads lists, secrets and LLM settings', () => {
    const { stackName, props } = settingsFor({
      stackName: 'DdxAssistEu',
      sageMakerEndpoints: 'derm-lesion-v3, rash-v1',
      roboflowApiKeySecretArn: secretArn,
      recommender: 'openai',
      llmModel: 'gpt-4.1-mini',
      openAiBaseUrl: 'https://llm.internal.example/v1',
      logLevel: 'warn',
      reservedConcurrency: '4',
    });
    assert.equal(stackName, 'DdxAssistEu');
    assert.deepEqual(props.sageMakerEndpointNames, ['derm-lesion-v3', 'rash-v1']);
    assert.equal(props.roboflowApiKeySecretArn, secretArn);
    assert.deepEqual(props.recommender, {
      kind: 'openai',
      model: 'gpt-4.1-mini',
      baseUrl: 'https://llm.internal.example/v1',
      apiKeySecretArn: undefined,
    });
    assert.equal(props.logLevel, 'warn');
    assert.equal(props.reservedConcurrency, 4);
    assert.equal(props.lambdaBundleDirectory, 'dist-lambda');
  });

  it('reads the encryption key setting', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    assert.deepEqual(settingsFor({ encryptionKey: 'create' }).props.encryptionKey, { kind: 'create' });
    assert.deepEqual(settingsFor({ encryptionKey: keyArn }).props.encryptionKey, {
      kind: 'existing',
      keyArn,
    });
    assert.throws(() => settingsFor({ encryptionKey: 'alias/ddx' }), /KMS key ARN/);
  });

  it('refuses settings that would fail only after deployment', () => {
    assert.throws(() => settingsFor({ openAiBaseUrl: 'http://llm.internal.example/v1' }), /https/);
    assert.throws(() => settingsFor({ langfuseBaseUrl: 'http://langfuse.internal.example' }), /https/);
    assert.throws(() => settingsFor({ recommender: 'bedrock' }), /llmModel/);
    assert.throws(() => settingsFor({ recommender: 'gpt' }), /recommender/);
    assert.throws(() => settingsFor({ roboflowApiKeySecretArn: 'my-roboflow-key' }), /Secrets Manager/);
    assert.throws(
      () => settingsFor({ promptSource: 'langfuse', langfusePublicKey: 'pk-lf-1' }),
      /langfuseSecretKeySecretArn/,
    );
  });
});

describe('DdxAssistStack with the workspace Lambda (webApp)', () => {
  it('adds no web function, URL or session secret by default', () => {
    const template = synthesise();
    template.resourceCountIs('AWS::Lambda::Url', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    assert.equal(
      Object.keys(
        template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.webHandler' } }),
      ).length,
      0,
    );
  });

  it('serves the app behind a Function URL with OIDC from context and a generated session secret', () => {
    const { props } = stackSettingsFromContext(
      new App({
        context: {
          webApp: 'true',
          oidcIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123',
          oidcAudience: 'ddx-workspace',
          oidcRoleClaim: 'cognito:groups',
          webAllowedHosts: 'ddx.clinic.example',
        },
      }).node,
    );
    const template = synthesise({ webApp: props.webApp });
    const [webId, web] =
      Object.entries(
        template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.webHandler' } }),
      )[0] ?? [];
    assert.ok(webId && web, 'a function with the web handler');
    const variables = web.Properties.Environment.Variables as Record<string, unknown>;
    assert.equal(variables.DDX_OIDC_ISSUER, 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123');
    assert.equal(variables.DDX_OIDC_AUDIENCE, 'ddx-workspace');
    assert.equal(variables.DDX_OIDC_ROLE_CLAIM, 'cognito:groups');
    assert.equal(variables.DDX_ALLOWED_HOSTS, 'ddx.clinic.example');
    assert.equal(variables.DDX_SECURE_COOKIES, 'true');
    assert.equal(variables.DDX_RESULT_STORE, 'dynamodb');
    assert.equal(variables.DDX_SESSION_SECRET, undefined, 'never the secret’s value');
    const secretIds = Object.keys(template.findResources('AWS::SecretsManager::Secret'));
    assert.equal(secretIds.length, 1);
    assert.deepEqual(variables.DDX_SESSION_SECRET_SECRET_ARN, { Ref: secretIds[0] });
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [webId, 'Arn'] },
    });
    const reads = identityAllowStatements(template).filter((statement) =>
      statement.actions.includes('secretsmanager:GetSecretValue'),
    );
    assert.ok(reads.some((statement) => JSON.stringify(statement.resources).includes(secretIds[0] ?? '?')));
    assert.ok(template.findOutputs('WebUrl'));
  });

  it('refuses an OIDC issuer without an audience', () => {
    assert.throws(
      () =>
        stackSettingsFromContext(
          new App({ context: { webApp: 'true', oidcIssuer: 'https://idp.example' } }).node,
        ),
      /oidcAudience/,
    );
  });
});
