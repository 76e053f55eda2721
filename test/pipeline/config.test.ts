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
    assert.equal(config.resultStore.path, '/tmp/ddx-x/results.db');
    assert.equal(config.derivedPrefix, 'out/');
    assert.equal(config.limits.maxImageBytes, 2048);
    assert.equal(config.logLevel, 'debug');
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
});
