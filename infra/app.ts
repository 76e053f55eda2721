/**
 * The CDK app: `npx aws-cdk@2 deploy` runs this (cdk.json: `node --import tsx infra/app.ts`, no
 * ts-node). Parameters come from CDK context: see stack-context.ts for the keys.
 */
import { App } from 'aws-cdk-lib';
import { DdxAssistStack } from './ddx-assist-stack.js';
import { stackSettingsFromContext } from './stack-context.js';

const app = new App();
const { stackName, props } = stackSettingsFromContext(app.node);
new DdxAssistStack(app, stackName, {
  ...props,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'DDx Assist: medical-image inference orchestrator (S3 -> SQS -> Lambda -> DynamoDB)',
});
app.synth();
