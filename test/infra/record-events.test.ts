/**
 * Record events in the CDK stack: the bus the function puts events on, the schedule that sweeps
 * the outbox, the example rule, and the sinks' secrets as ARNs only. Synthesised offline against
 * a stand-in bundle folder, like stack.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DdxAssistStack, type DdxAssistStackProps } from '../../infra/ddx-assist-stack.js';
import { lambdaBundleLayout } from '../../infra/lambda-bundle.js';
import { outboxSweepEvent } from '../../src/triggers/outbox-sweep-event.js';
import { identityAllowStatements, logicalIdOf, renderValue } from './template-values.js';

process.env.CDK_DISABLE_CLI_TELEMETRY = 'true';
process.env.CDK_VALIDATION = 'false';

const webhookSecretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ddx/webhook-AbCdEf';
const fhirKeySecretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ddx/fhir-key-AbCdEf';

let bundleDirectory: string;

function synthesise(props: Partial<DdxAssistStackProps> = {}): Template {
  const stack = new DdxAssistStack(new App(), 'DdxAssistEvents', {
    lambdaBundleDirectory: bundleDirectory,
    env: { account: '123456789012', region: 'eu-west-1' },
    ...props,
  });
  return Template.fromStack(stack);
}

function functionEnvironment(template: Template): Record<string, unknown> {
  const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter((resource) =>
    JSON.stringify(resource.Properties?.Description ?? '').includes('one uploaded image in'),
  );
  assert.equal(functions.length, 1);
  return functions[0]?.Properties?.Environment?.Variables ?? {};
}

before(async () => {
  bundleDirectory = await mkdtemp(join(tmpdir(), 'ddx-events-bundle-'));
  await writeFile(
    join(bundleDirectory, lambdaBundleLayout.entryFile),
    'export const handler = async () => {};\n',
  );
});
after(() => rm(bundleDirectory, { recursive: true, force: true }));

describe('DdxAssistStack record events', () => {
  let template: Template;
  let busId: string;
  let functionId: string;

  before(() => {
    template = synthesise({
      publicUrl: 'https://ddx.example.org',
      webhook: { url: 'https://clinic.example.org/hooks/ddx', secretArn: webhookSecretArn },
      fhirPush: {
        baseUrl: 'https://fhir.example.org/r4',
        smart: { clientId: 'ddx-assist', keyId: 'key-1', privateKeySecretArn: fhirKeySecretArn },
      },
    });
    busId = logicalIdOf(template, 'AWS::Events::EventBus', 'RecordEventsRecordEventBus');
    functionId = logicalIdOf(template, 'AWS::Lambda::Function', 'InferenceFunction');
  });

  it('creates a bus and tells the function its name and the event source', () => {
    const environment = functionEnvironment(template);
    assert.equal(renderValue(environment.DDX_EVENTBRIDGE_BUS), busId);
    assert.equal(environment.DDX_EVENT_SOURCE, '/ddx-assist');
    assert.equal(environment.DDX_PUBLIC_URL, 'https://ddx.example.org');
  });

  it('lets the function put events on that bus only', () => {
    const putEvents = identityAllowStatements(template).filter((statement) =>
      statement.actions.includes('events:PutEvents'),
    );
    assert.equal(putEvents.length, 1);
    assert.deepEqual(putEvents[0]?.resources, [`${busId}.Arn`]);
    for (const statement of identityAllowStatements(template)) {
      for (const action of statement.actions.filter((name) => name.startsWith('events:'))) {
        assert.equal(action, 'events:PutEvents');
      }
    }
  });

  it('lets the function update result items (the outbox claims and outcomes)', () => {
    const updates = identityAllowStatements(template).filter((statement) =>
      statement.actions.includes('dynamodb:UpdateItem'),
    );
    assert.equal(updates.length, 1);
    const tableId = logicalIdOf(template, 'AWS::DynamoDB::Table', 'ResultTable');
    assert.deepEqual(updates[0]?.resources, [`${tableId}.Arn`]);
  });

  it('sweeps the outbox on a schedule, invoking the function with the sweep event', () => {
    const scheduled = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (rule) => rule.Properties?.ScheduleExpression !== undefined,
    );
    assert.equal(scheduled.length, 1);
    const rule = scheduled[0]?.Properties;
    assert.equal(rule?.ScheduleExpression, 'rate(5 minutes)');
    assert.equal(rule?.State ?? 'ENABLED', 'ENABLED');
    assert.equal(rule?.Targets.length, 1);
    assert.equal(renderValue(rule?.Targets[0].Arn), `${functionId}.Arn`);
    assert.deepEqual(JSON.parse(rule?.Targets[0].Input), outboxSweepEvent);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (permission) => permission.Properties?.Principal === 'events.amazonaws.com',
    );
    assert.equal(permissions.length, 1);
    assert.equal(renderValue(permissions[0]?.Properties?.FunctionName), `${functionId}.Arn`);
  });

  it('has an example rule on the bus: uncertain and out-of-scope results to an encrypted queue', () => {
    const onBus = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (rule) => rule.Properties?.EventPattern !== undefined,
    );
    assert.equal(onBus.length, 1);
    const rule = onBus[0]?.Properties;
    assert.equal(renderValue(rule?.EventBusName), busId);
    assert.deepEqual(rule?.EventPattern, {
      source: ['/ddx-assist'],
      'detail-type': ['ddx.record.completed'],
      detail: { data: { verdict: ['uncertain', 'out-of-scope'] } },
    });
    const queueId = logicalIdOf(template, 'AWS::SQS::Queue', 'RecordEventsReviewQueue');
    assert.equal(renderValue(rule?.Targets[0].Arn), `${queueId}.Arn`);
    const queue = template.findResources('AWS::SQS::Queue')[queueId]?.Properties;
    assert.equal(queue?.SqsManagedSseEnabled, true);
    const queuePolicies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter((policy) =>
      JSON.stringify(policy.Properties?.Queues).includes(queueId),
    );
    assert.ok(
      JSON.stringify(queuePolicies).includes('events.amazonaws.com'),
      'EventBridge may send to the queue',
    );
  });

  it('passes the webhook secret and the FHIR key as secret ARNs, never as values', () => {
    const environment = functionEnvironment(template);
    assert.equal(environment.DDX_WEBHOOK_URL, 'https://clinic.example.org/hooks/ddx');
    assert.equal(environment.DDX_WEBHOOK_SECRET_SECRET_ARN, webhookSecretArn);
    assert.equal(environment.DDX_WEBHOOK_SECRET, undefined);
    assert.equal(environment.DDX_FHIR_BASE_URL, 'https://fhir.example.org/r4');
    assert.equal(environment.DDX_FHIR_CLIENT_ID, 'ddx-assist');
    assert.equal(environment.DDX_FHIR_KEY_ID, 'key-1');
    assert.equal(environment.DDX_FHIR_PRIVATE_KEY_SECRET_ARN, fhirKeySecretArn);
    assert.equal(environment.DDX_FHIR_PRIVATE_KEY, undefined);
    const readable = identityAllowStatements(template)
      .filter((statement) => statement.actions.includes('secretsmanager:GetSecretValue'))
      .flatMap((statement) => statement.resources);
    assert.deepEqual(readable.sort(), [fhirKeySecretArn, webhookSecretArn].sort());
  });

  it('configures no webhook or FHIR push unless asked, and still creates the bus and the sweep', () => {
    const plain = synthesise();
    const environment = functionEnvironment(plain);
    assert.equal(environment.DDX_WEBHOOK_URL, undefined);
    assert.equal(environment.DDX_FHIR_BASE_URL, undefined);
    assert.ok(environment.DDX_EVENTBRIDGE_BUS);
    assert.equal(Object.keys(plain.findResources('AWS::Events::EventBus')).length, 1);
  });
});
