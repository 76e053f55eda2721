/**
 * The IAM resources a model call needs, so the function may call exactly the configured models:
 * SageMaker endpoints by name, a Bedrock model or cross-region inference profile by id.
 */
import { Arn, type Stack } from 'aws-cdk-lib';

/**
 * SageMaker writes endpoint names into ARNs in lower case (`endpoint/derm-lesion-v3` for an
 * endpoint created as `Derm-Lesion-V3`), and IAM compares ARNs case-sensitively.
 */
export function sageMakerEndpointArn(stack: Stack, endpointName: string): string {
  return Arn.format(
    { service: 'sagemaker', resource: 'endpoint', resourceName: endpointName.toLowerCase() },
    stack,
  );
}

/** Geography prefixes of Bedrock's cross-region inference profile ids (`eu.anthropic...`). */
const inferenceProfilePrefix = /^(us|us-gov|eu|apac|jp|au|ca|global)\./;

/**
 * A foundation model id is invoked in the stack's region. An inference profile id routes each
 * call to one of several regions, so IAM must allow the profile and the underlying foundation
 * model in every region (the region is the only wildcard, never the model or the action).
 */
export function bedrockModelArns(stack: Stack, modelId: string): string[] {
  if (modelId.startsWith('arn:')) return [modelId];
  const foundationModel = (region: string, id: string) =>
    Arn.format(
      { service: 'bedrock', region, account: '', resource: 'foundation-model', resourceName: id },
      stack,
    );
  const profile = inferenceProfilePrefix.exec(modelId);
  if (!profile) return [foundationModel(stack.region, modelId)];
  return [
    Arn.format({ service: 'bedrock', resource: 'inference-profile', resourceName: modelId }, stack),
    foundationModel('*', modelId.slice(profile[0].length)),
  ];
}
