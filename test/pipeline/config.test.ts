import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, packageRoot } from '../../src/config.js';
import { ConfigurationError } from '../../src/errors.js';

describe('configuration', () => {
  it('defaults to the embedded adapters under ./.ddx and the bundled models, prompts and data', () => {
    const config = loadConfig({});
    assert.deepEqual(config.blobStore, { kind: 'fs', root: resolve('.ddx/blobs') });
    assert.deepEqual(config.resultStore, { kind: 'sqlite', path: resolve('.ddx/results.db') });
    assert.equal(config.routesPath, join(packageRoot, 'models/routes.yaml'));
    assert.deepEqual(config.promptSource, { kind: 'files', directory: join(packageRoot, 'prompts') });
    assert.equal(config.recommender.kind, 'knowledge-base');
    assert.equal(config.inputPrefix, 'uploads/');
    assert.equal(config.derivedPrefix, 'derived/');
  });

  it('reads DDX_* variables, adding the slash a prefix needs', () => {
    const config = loadConfig({
      DDX_DATA_DIR: '/tmp/ddx-x',
      DDX_DERIVED_PREFIX: 'out',
      DDX_MAX_IMAGE_BYTES: '2048',
      DDX_LOG_LEVEL: 'debug',
    });
    assert.deepEqual(config.resultStore, { kind: 'sqlite', path: '/tmp/ddx-x/results.db' });
    assert.equal(config.derivedPrefix, 'out/');
    assert.equal(config.limits.maxImageBytes, 2048);
    assert.equal(config.logLevel, 'debug');
  });

  it('selects the AWS stores and the LLM providers with their own variables', () => {
    const config = loadConfig({
      DDX_BLOB_STORE: 's3',
      DDX_BUCKET: 'clinic-uploads',
      DDX_RESULT_STORE: 'dynamodb',
      DDX_TABLE: 'ddx-results',
      AWS_REGION: 'eu-west-2',
      DDX_RECOMMENDER: 'openai',
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      DDX_LLM_MODEL: 'llama3.1',
      DDX_PROMPT_SOURCE: 'langfuse',
      LANGFUSE_PUBLIC_KEY: 'pk-lf-1',
      LANGFUSE_SECRET_KEY: 'sk-lf-1',
      DDX_PROMPT_VERSION: '7',
    });
    assert.deepEqual(config.blobStore, {
      kind: 's3',
      bucket: 'clinic-uploads',
      region: 'eu-west-2',
      forcePathStyle: false,
    });
    assert.deepEqual(config.resultStore, { kind: 'dynamodb', table: 'ddx-results', region: 'eu-west-2' });
    assert.equal(config.recommender.kind, 'openai');
    assert.ok(config.recommender.kind === 'openai' && config.recommender.model === 'llama3.1');
    assert.ok(config.promptSource.kind === 'langfuse' && config.promptSource.version === 7);
  });

  it('requires the settings a chosen backend cannot work without', () => {
    for (const [environment, missing] of [
      [{ DDX_BLOB_STORE: 's3' }, 'DDX_BUCKET'],
      [{ DDX_RESULT_STORE: 'dynamodb' }, 'DDX_TABLE'],
      [{ DDX_RECOMMENDER: 'bedrock' }, 'DDX_LLM_MODEL'],
      [{ DDX_PROMPT_SOURCE: 'langfuse', LANGFUSE_SECRET_KEY: 's' }, 'LANGFUSE_PUBLIC_KEY'],
    ] as const) {
      assert.throws(
        () => loadConfig(environment),
        (error: unknown) => error instanceof ConfigurationError && error.message.includes(missing),
      );
    }
  });

  it('refuses a plain-HTTP LLM or Langfuse URL, except to a server on this machine', () => {
    for (const name of ['OPENAI_BASE_URL', 'LANGFUSE_BASE_URL']) {
      for (const url of [
        'http://llm.internal.example/v1',
        'http://10.0.0.5:8000/v1',
        'http://127.evil.example',
      ]) {
        assert.throws(
          () => loadConfig({ [name]: url }),
          (error: unknown) =>
            error instanceof ConfigurationError &&
            error.message.includes(name) &&
            /https/.test(error.message),
          `${name}=${url}`,
        );
      }
      for (const url of [
        'https://llm.example/v1',
        'http://127.0.0.1:11434/v1',
        'http://localhost:3000',
        'http://[::1]:8000',
      ]) {
        assert.doesNotThrow(() => loadConfig({ [name]: url }), `${name}=${url}`);
      }
    }
  });

  it('names every invalid variable', () => {
    assert.throws(
      () => loadConfig({ DDX_BLOB_STORE: 'ftp', DDX_MAX_IMAGE_PIXELS: '-5' }),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        /DDX_BLOB_STORE/.test(error.message) &&
        /DDX_MAX_IMAGE_PIXELS/.test(error.message),
    );
  });

  it('reads the Roboflow and Lambda settings too: nothing else reads the environment', () => {
    const config = loadConfig({
      ROBOFLOW_API_URL: 'http://127.0.0.1:9001',
      ROBOFLOW_API_KEY: 'rf-key',
      DDX_CONCURRENCY: '8',
      DDX_DEADLINE_MARGIN_MS: '2500',
    });
    assert.deepEqual(config.roboflow, { apiUrl: 'http://127.0.0.1:9001', apiKey: 'rf-key' });
    assert.deepEqual(config.lambda, { concurrency: 8, deadlineMarginMs: 2500 });
    assert.deepEqual(loadConfig({}).lambda, { concurrency: 4, deadlineMarginMs: 5000 });
    assert.deepEqual(loadConfig({}).roboflow, { apiUrl: undefined, apiKey: '' });
    assert.throws(() => loadConfig({ DDX_CONCURRENCY: '0' }), ConfigurationError);
  });

  it('says whether DDX_LOG_LEVEL was given, and lets a caller default it', () => {
    assert.deepEqual([loadConfig({}).logLevel, loadConfig({}).logLevelConfigured], ['info', false]);
    const quiet = loadConfig({}, { DDX_LOG_LEVEL: 'error' });
    assert.equal(quiet.logLevel, 'error');
    assert.equal(loadConfig({ DDX_LOG_LEVEL: 'debug' }, { DDX_LOG_LEVEL: 'error' }).logLevel, 'debug');
  });
});
