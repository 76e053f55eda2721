/**
 * The deployment's parameters, read from CDK context (`-c name=value` on the command line, or the
 * `context` object of cdk.json) and validated, so a typo fails the synth instead of the deploy.
 *
 * | context key                   | meaning                                                           |
 * | ----------------------------- | ----------------------------------------------------------------- |
 * | `stackName`                   | default `DdxAssist`                                               |
 * | `bundleDirectory`             | the Lambda bundle folder; default `dist-lambda`                   |
 * | `lambdaCpu`                   | `x64` (default) or `arm64`: must match the bundle's sharp binary  |
 * | `inputPrefix`, `derivedPrefix`| default `uploads/`, `derived/`                                    |
 * | `inputSuffixes`               | comma-separated; default none (every upload triggers)             |
 * | `sageMakerEndpoints`          | comma-separated endpoint names the routing table calls            |
 * | `roboflowApiKeySecretArn`     | Secrets Manager ARN of the Roboflow API key                       |
 * | `roboflowApiUrl`              | a self-hosted Roboflow inference server                           |
 * | `recommender`                 | `knowledge-base` (default), `openai` or `bedrock`                 |
 * | `llmModel`                    | the model (OpenAI-compatible name or Bedrock model/profile id)   |
 * | `openAiBaseUrl`               | an OpenAI-compatible server (vLLM, Ollama); default OpenAI        |
 * | `openAiApiKeySecretArn`       | Secrets Manager ARN of its API key                                |
 * | `promptSource`                | `files` (default) or `langfuse`                                   |
 * | `langfuseBaseUrl`, `langfusePublicKey`, `langfuseSecretKeySecretArn`, `langfuseLabel` |       |
 * | `logLevel`                    | `debug`, `info` (default), `warn`, `error`, `silent`              |
 * | `reservedConcurrency`         | caps concurrent invocations; default unreserved                   |
 * | `alarmTopicArn`               | SNS topic the alarms notify                                       |
 * | `maxQueueAgeSeconds`          | oldest-upload alarm threshold; default 900                        |
 * | `maxTransientFailures`        | transient-failure alarm threshold per 5 minutes; default 5        |
 * | `encryptionKey`               | `create` (a customer-managed KMS key) or a KMS key ARN; default none |
 * | `webApp`                      | `true`: the workspace Lambda behind a Function URL; default off   |
 * | `oidcIssuer`, `oidcAudience`, `oidcRoleClaim`, `oidcJwksUrl` | OIDC bearer JWTs for it (issuer and audience together) |
 * | `webAllowedHosts`             | comma-separated extra Host names (a custom domain)                |
 */
import type { Node } from 'constructs';
import { z } from 'zod';
import { logLevels } from '../src/ports.js';
import { isTlsOrLoopbackUrl, plainHttpRefused } from '../src/transport-security.js';
import type { DdxAssistStackProps, PromptSourceSettings, RecommenderSettings } from './ddx-assist-stack.js';
import { lambdaCpus } from './lambda-bundle.js';
import type { WebAppSettings } from './web-app.js';

/** `-c a=x,y` arrives as a string, cdk.json may hold an array: both become a list. */
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(','))
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );
const text = z.string().trim().min(1);
const secretArn = z
  .string()
  .regex(/^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:.+$/, 'a Secrets Manager secret ARN');
const wholePositive = z.coerce.number().int().positive();
// A Lambda has no loopback server to talk to: the LLM and Langfuse are reached under TLS.
const tlsUrl = z.url().refine(isTlsOrLoopbackUrl, plainHttpRefused);

const contextSchema = z.object({
  stackName: text.default('DdxAssist'),
  bundleDirectory: text.default('dist-lambda'),
  lambdaCpu: z.enum(lambdaCpus).optional(),
  inputPrefix: text.optional(),
  derivedPrefix: text.optional(),
  inputSuffixes: list.optional(),
  sageMakerEndpoints: list.optional(),
  roboflowApiKeySecretArn: secretArn.optional(),
  roboflowApiUrl: z.url().optional(),
  recommender: z.enum(['knowledge-base', 'openai', 'bedrock']).default('knowledge-base'),
  llmModel: text.optional(),
  openAiBaseUrl: tlsUrl.optional(),
  openAiApiKeySecretArn: secretArn.optional(),
  promptSource: z.enum(['files', 'langfuse']).default('files'),
  langfuseBaseUrl: tlsUrl.optional(),
  langfusePublicKey: text.optional(),
  langfuseSecretKeySecretArn: secretArn.optional(),
  langfuseLabel: text.optional(),
  logLevel: z.enum(logLevels).optional(),
  reservedConcurrency: wholePositive.optional(),
  alarmTopicArn: z
    .string()
    .regex(/^arn:[^:]+:sns:/, 'an SNS topic ARN')
    .optional(),
  maxQueueAgeSeconds: wholePositive.optional(),
  maxTransientFailures: wholePositive.optional(),
  encryptionKey: z
    .union([z.literal('create'), z.string().regex(/^arn:[^:]+:kms:[^:]+:\d{12}:key\/.+$/, 'a KMS key ARN')])
    .optional(),
  webApp: z.stringbool().or(z.boolean()).default(false),
  oidcIssuer: z.url().optional(),
  oidcAudience: text.optional(),
  oidcRoleClaim: text.optional(),
  oidcJwksUrl: z.url().optional(),
  webAllowedHosts: list.optional(),
});

type StackContext = z.infer<typeof contextSchema>;

function required<T>(value: T | undefined, name: string, because: string): T {
  if (value === undefined) throw new Error(`context "${name}" is required with ${because}`);
  return value;
}

function recommenderSettings(context: StackContext): RecommenderSettings {
  switch (context.recommender) {
    case 'knowledge-base':
      return { kind: 'knowledge-base' };
    case 'openai':
      return {
        kind: 'openai',
        model: required(context.llmModel, 'llmModel', 'recommender=openai'),
        baseUrl: context.openAiBaseUrl,
        apiKeySecretArn: context.openAiApiKeySecretArn,
      };
    case 'bedrock':
      return { kind: 'bedrock', modelId: required(context.llmModel, 'llmModel', 'recommender=bedrock') };
  }
}

function promptSourceSettings(context: StackContext): PromptSourceSettings {
  switch (context.promptSource) {
    case 'files':
      return { kind: 'files' };
    case 'langfuse':
      return {
        kind: 'langfuse',
        baseUrl: context.langfuseBaseUrl,
        publicKey: required(context.langfusePublicKey, 'langfusePublicKey', 'promptSource=langfuse'),
        secretKeySecretArn: required(
          context.langfuseSecretKeySecretArn,
          'langfuseSecretKeySecretArn',
          'promptSource=langfuse',
        ),
        label: context.langfuseLabel,
      };
  }
}

function webAppSettings(context: StackContext): WebAppSettings | undefined {
  if (!context.webApp) return undefined;
  const oidc = context.oidcIssuer
    ? {
        issuer: context.oidcIssuer,
        audience: required(context.oidcAudience, 'oidcAudience', 'oidcIssuer'),
        roleClaim: context.oidcRoleClaim,
        jwksUrl: context.oidcJwksUrl,
      }
    : undefined;
  return { oidc, allowedHosts: context.webAllowedHosts };
}

/** The stack's name and properties from the app's context. */
export function stackSettingsFromContext(node: Node): { stackName: string; props: DdxAssistStackProps } {
  const raw = Object.fromEntries(
    Object.keys(contextSchema.shape).map((key) => {
      const value: unknown = node.tryGetContext(key);
      // An empty value (`-c llmModel=`) means "not set", as it does for environment variables.
      return [key, value === '' || value === null ? undefined : value];
    }),
  );
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid CDK context:\n${z.prettifyError(parsed.error)}`);
  const context = parsed.data;
  return {
    stackName: context.stackName,
    props: {
      lambdaBundleDirectory: context.bundleDirectory,
      lambdaCpu: context.lambdaCpu,
      inputPrefix: context.inputPrefix,
      derivedPrefix: context.derivedPrefix,
      inputSuffixes: context.inputSuffixes,
      sageMakerEndpointNames: context.sageMakerEndpoints,
      roboflowApiKeySecretArn: context.roboflowApiKeySecretArn,
      roboflowApiUrl: context.roboflowApiUrl,
      recommender: recommenderSettings(context),
      promptSource: promptSourceSettings(context),
      logLevel: context.logLevel,
      reservedConcurrency: context.reservedConcurrency,
      alarmTopicArn: context.alarmTopicArn,
      maxQueueAgeSeconds: context.maxQueueAgeSeconds,
      maxTransientFailures: context.maxTransientFailures,
      encryptionKey:
        context.encryptionKey === undefined
          ? undefined
          : context.encryptionKey === 'create'
            ? { kind: 'create' }
            : { kind: 'existing', keyArn: context.encryptionKey },
      webApp: webAppSettings(context),
    },
  };
}
