import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { resolveSecretArns } from '../../src/secrets-from-arns.js';

describe('secrets from ARNs', () => {
  it('resolves every <NAME>_SECRET_ARN into <NAME> and leaves the rest alone', async () => {
    const asked: string[] = [];
    const client = {
      send: async (command: GetSecretValueCommand) => {
        asked.push(String(command.input.SecretId));
        return { SecretString: `value-of-${command.input.SecretId}` };
      },
    };
    const environment: NodeJS.ProcessEnv = {
      ROBOFLOW_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:rf',
      OPENAI_API_KEY_SECRET_ARN: '',
      DDX_TABLE: 'results',
    };
    await resolveSecretArns(environment, client);
    assert.deepEqual(asked, ['arn:aws:secretsmanager:eu-west-1:1:secret:rf']);
    assert.equal(environment.ROBOFLOW_API_KEY, 'value-of-arn:aws:secretsmanager:eu-west-1:1:secret:rf');
    assert.equal(environment.OPENAI_API_KEY, undefined);
    assert.equal(environment.DDX_TABLE, 'results');
  });

  it('refuses a secret without a string value', async () => {
    const client = { send: async () => ({}) };
    await assert.rejects(
      resolveSecretArns({ LANGFUSE_SECRET_KEY_SECRET_ARN: 'arn:x' }, client),
      /LANGFUSE_SECRET_KEY has no string value/,
    );
  });
});
