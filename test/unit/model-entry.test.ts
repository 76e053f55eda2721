/**
 * The routing-table entries for remote models (models/model-entry.ts): defaults, what is refused,
 * and where the Roboflow URL and key come from.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roboflowConnection } from '../../src/adapters/detector/roboflow.js';
import { loadConfig } from '../../src/config.js';
import { ConfigurationError } from '../../src/errors.js';
import { roboflowModelSchema, sageMakerModelSchema } from '../../src/models/model-entry.js';

describe('sagemaker model entries', () => {
  it('default to a JPEG body and a JSON answer', () => {
    const entry = sageMakerModelSchema.parse({
      kind: 'sagemaker',
      endpoint: 'derm-lesion-v3',
      card: 'lesion.card.json',
    });
    assert.equal(entry.contentType, 'application/x-image');
    assert.equal(entry.accept, 'application/json');
  });

  it('refuse an entry without a card, or with a content type the adapter cannot produce', () => {
    assert.equal(
      sageMakerModelSchema.safeParse({ kind: 'sagemaker', endpoint: 'derm-lesion-v3' }).success,
      false,
    );
    const csv = { kind: 'sagemaker', endpoint: 'derm-lesion-v3', card: 'c.json', contentType: 'text/csv' };
    assert.equal(sageMakerModelSchema.safeParse(csv).success, false);
  });
});

describe('roboflow model entries', () => {
  const base = { kind: 'roboflow', project: 'skin-lesions', card: 'lesion-detector.card.json' };

  it('take a numeric or named version and thresholds from 0 to 1', () => {
    assert.equal(
      roboflowModelSchema.parse({ ...base, version: 3, confidence: 0.4, overlap: 0.3 }).version,
      3,
    );
    assert.equal(roboflowModelSchema.parse({ ...base, version: 'v3' }).version, 'v3');
    assert.equal(roboflowModelSchema.safeParse({ ...base, version: 3, confidence: 40 }).success, false);
    assert.equal(
      roboflowModelSchema.safeParse({ ...base, version: 3, apiUrl: 'ftp://example.com' }).success,
      false,
    );
  });
});

describe('roboflowConnection', () => {
  // The variables are read by the configuration (config.ts) and handed to the adapter.
  const configured = (environment: Record<string, string>) => loadConfig(environment).roboflow;

  it("prefers the table's URL, then ROBOFLOW_API_URL, then the hosted API", () => {
    const environment = configured({
      ROBOFLOW_API_URL: 'http://inference.local:9001',
      ROBOFLOW_API_KEY: 'key',
    });
    assert.deepEqual(roboflowConnection({ apiUrl: 'http://127.0.0.1:8080' }, environment), {
      apiUrl: 'http://127.0.0.1:8080',
      apiKey: 'key',
    });
    assert.equal(roboflowConnection({}, environment).apiUrl, 'http://inference.local:9001');
    assert.equal(
      roboflowConnection({}, configured({ ROBOFLOW_API_KEY: 'key' })).apiUrl,
      'https://detect.roboflow.com',
    );
  });

  it('requires ROBOFLOW_API_KEY for the hosted API only', () => {
    assert.throws(() => roboflowConnection({}, configured({})), ConfigurationError);
    assert.deepEqual(roboflowConnection({ apiUrl: 'http://127.0.0.1:8080' }, configured({})), {
      apiUrl: 'http://127.0.0.1:8080',
      apiKey: '',
    });
  });

  it('refuses a ROBOFLOW_API_URL that is not a URL', () => {
    assert.throws(
      () => roboflowConnection({}, configured({ ROBOFLOW_API_URL: 'detect.roboflow.com' })),
      ConfigurationError,
    );
  });
});
