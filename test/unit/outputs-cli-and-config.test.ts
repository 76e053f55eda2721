/**
 * `ddx results get --format` on a terminal, and the event and FHIR settings of config.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeRecordOutput } from '../../src/cli/results-output.js';
import { loadConfig } from '../../src/config.js';
import { ConfigurationError } from '../../src/errors.js';
import { createInMemoryBlobStore } from '../support/in-memory-blob-store.js';
import { createInMemoryResultStore } from '../support/in-memory-result-store.js';
import { sampleRecord } from '../support/records.js';

const sources = {
  blobStore: createInMemoryBlobStore('test-bucket'),
  resultStore: createInMemoryResultStore(),
  links: { apiBaseUrl: 'https://ddx.example.org' },
  limits: { maxImageBytes: 1_000_000, maxImagePixels: 1_000_000 },
};

function terminal(isTTY: boolean) {
  const written: (string | Uint8Array)[] = [];
  const errors: string[] = [];
  return {
    written,
    errors,
    stdout: { isTTY, write: (chunk: string | Uint8Array) => written.push(chunk) },
    stderr: { write: (text: string) => errors.push(text) },
  };
}

describe('ddx results get --format', () => {
  it('refuses to write a PDF or an SR to a terminal, and says how to redirect', async () => {
    const record = sampleRecord({ key: 'uploads/tty.jpg' });
    for (const format of ['pdf', 'dicom-sr'] as const) {
      const screen = terminal(true);
      assert.equal(await writeRecordOutput(record, format, sources, screen), 2);
      assert.deepEqual(screen.written, []);
      assert.match(screen.errors.join(''), /binary: not writing it to a terminal; redirect it/);
    }
  });

  it('writes JSON and FHIR to a terminal', async () => {
    const record = sampleRecord({ key: 'uploads/tty-json.jpg' });
    const screen = terminal(true);
    assert.equal(await writeRecordOutput(record, 'fhir', sources, screen), 0);
    const text = Buffer.from(screen.written[0] as Uint8Array).toString('utf8');
    assert.equal(JSON.parse(text).resourceType, 'Bundle');
  });
});

describe('event and FHIR configuration', () => {
  const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;

  it('has no sinks but the SR archive by default', () => {
    const { events, outputs } = loadConfig({});
    assert.equal(events.webhook, null);
    assert.equal(events.eventBridge, null);
    assert.equal(events.fhirPush, null);
    assert.equal(events.dicomSrArchive, true);
    assert.equal(outputs.links.apiBaseUrl, 'http://127.0.0.1:8000');
  });

  it('needs a well-formed secret with a webhook URL', () => {
    assert.throws(() => loadConfig({ DDX_WEBHOOK_URL: 'https://h.example.org' }), ConfigurationError);
    assert.throws(
      () => loadConfig({ DDX_WEBHOOK_URL: 'https://h.example.org', DDX_WEBHOOK_SECRET: 'not-a-secret' }),
      /whsec_/,
    );
    const { events } = loadConfig({ DDX_WEBHOOK_URL: 'https://h.example.org', DDX_WEBHOOK_SECRET: secret });
    assert.deepEqual(events.webhook, { url: 'https://h.example.org', secret });
  });

  it('chooses the FHIR auth from what is set, and refuses both kinds at once', () => {
    const base = { DDX_FHIR_BASE_URL: 'https://fhir.example.org/r4' };
    assert.deepEqual(loadConfig(base).events.fhirPush?.auth, { kind: 'none' });
    assert.deepEqual(loadConfig({ ...base, DDX_FHIR_BEARER_TOKEN: 't' }).events.fhirPush?.auth, {
      kind: 'bearer',
      token: 't',
    });
    assert.throws(() => loadConfig({ ...base, DDX_FHIR_CLIENT_ID: 'c' }), /DDX_FHIR_PRIVATE_KEY/);
    const smart = loadConfig({
      ...base,
      DDX_FHIR_CLIENT_ID: 'c',
      DDX_FHIR_PRIVATE_KEY: 'k',
      DDX_FHIR_KEY_ID: 'kid',
    });
    assert.equal(smart.events.fhirPush?.auth.kind, 'smart-backend');
    assert.throws(
      () => loadConfig({ ...base, DDX_FHIR_CLIENT_ID: 'c', DDX_FHIR_BEARER_TOKEN: 't' }),
      /not both/,
    );
  });
});
