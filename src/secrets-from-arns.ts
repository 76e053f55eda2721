/**
 * Secrets reach the Lambda as ARNs (`ROBOFLOW_API_KEY_SECRET_ARN`), never as values: a value in an
 * environment variable is readable by anyone who may view the function's configuration. At
 * container start each `<NAME>_SECRET_ARN` is resolved from Secrets Manager into `<NAME>`, before
 * the configuration is read, so the rest of the service sees the ecosystem's usual variable names.
 */
import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from './errors.js';

const suffix = '_SECRET_ARN';

/** The one call used of the Secrets Manager client (injectable in tests). */
export interface SecretReader {
  send(command: GetSecretValueCommand): Promise<{ SecretString?: string }>;
}

export async function resolveSecretArns(
  environment: NodeJS.ProcessEnv,
  client?: SecretReader,
): Promise<void> {
  const wanted = Object.entries(environment).filter(([name, arn]) => name.endsWith(suffix) && arn);
  if (wanted.length === 0) return;
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const secrets = client ?? new SecretsManagerClient({});
  await Promise.all(
    wanted.map(async ([name, arn]) => {
      const target = name.slice(0, -suffix.length);
      const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
      if (!SecretString) throw new ConfigurationError(`the secret for ${target} has no string value`);
      environment[target] = SecretString;
    }),
  );
}
