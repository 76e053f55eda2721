/**
 * The record documents over HTTP (src/web/routes/record-documents.ts): a photo
 * uploaded through POST /v1/uploads, then its FHIR bundle, PDF report, image and crop by record
 * id, with the media types, `no-store`, and 404s for what a record does not have. The upload's
 * event reaches a loopback webhook receiver right after the job is answered.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Bundle } from '@medplum/fhirtypes';
import { type ComposedDependencies, composeDependencies } from '../../src/compose.js';
import { loadConfig, packageRoot } from '../../src/config.js';
import type { InferenceRecord } from '../../src/record.js';
import type { RunningServer } from '../../src/web/serve.js';
import { createDataDir } from '../support/cli.js';
import { fhirValidationIssues } from '../support/fhir-validator.js';
import {
  type LoopbackWebhookReceiver,
  startLoopbackWebhookReceiver,
} from '../support/loopback-webhook-receiver.js';
import { fetchWith, type TestAccess, testAccess } from '../support/web-server.js';

const sample = join(packageRoot, 'samples', 'localized-melanoma-back.jpg');
const secret = `whsec_${randomBytes(24).toString('base64')}`;

describe('GET /v1/records/:id/{fhir,dicom-sr,report.pdf,image,crop}', () => {
  let dataDir: string;
  let deps: ComposedDependencies;
  let server: RunningServer;
  let access: TestAccess;
  /** fetch with an admin token: every route but /healthz needs a principal. */
  let fetch: typeof globalThis.fetch;
  let receiver: LoopbackWebhookReceiver;
  let record: InferenceRecord;

  before(async () => {
    dataDir = await createDataDir();
    receiver = await startLoopbackWebhookReceiver(secret);
    const config = loadConfig({
      DDX_DATA_DIR: dataDir,
      DDX_LOG_LEVEL: 'silent',
      DDX_WEBHOOK_URL: receiver.url,
      DDX_WEBHOOK_SECRET: secret,
    });
    deps = await composeDependencies(config);
    access = await testAccess(config);
    fetch = fetchWith(access.admin);
    server = await access.start(deps, { inputPrefix: config.inputPrefix, port: 0 });
    const metadata = JSON.stringify(JSON.parse(await readFile(`${sample}.meta.json`, 'utf8')));
    const response = await fetch(`${server.url}/v1/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', 'x-ddx-metadata': metadata },
      body: await readFile(sample),
    });
    assert.equal(response.status, 200);
    record = ((await response.json()) as { record: InferenceRecord }).record;
  });
  after(async () => {
    await server.close();
    await deps.close();
    await access.close();
    await receiver.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const get = (path: string) => fetch(`${server.url}/v1/records/${record.id}${path}`);

  it('serves the FHIR bundle, valid, its media pointing at the image and crop routes', async () => {
    const response = await get('/fhir');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/fhir+json');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const bundle = (await response.json()) as Bundle;
    assert.deepEqual(fhirValidationIssues(bundle), []);
    const urls = (bundle.entry ?? [])
      .flatMap((entry) =>
        entry.resource?.resourceType === 'Media' ? [entry.resource.content.url ?? ''] : [],
      )
      .map((url) => new URL(url).pathname)
      .sort();
    assert.deepEqual(urls, [`/v1/records/${record.id}/crop`, `/v1/records/${record.id}/image`]);
  });

  it('serves the PDF report, the analysed image and the crop', async () => {
    const pdf = await get('/report.pdf');
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    assert.equal(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
      '%PDF-',
    );
    const image = await get('/image');
    assert.equal(image.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), await readFile(sample));
    const crop = await get('/crop');
    assert.equal(crop.status, 200);
    assert.equal(crop.headers.get('content-type'), 'image/jpeg');
  });

  it('answers 404 for an SR of a photo and for an unknown record', async () => {
    const sr = await get('/dicom-sr');
    assert.equal(sr.status, 404);
    assert.match(((await sr.json()) as { error: { message: string } }).error.message, /not of a DICOM input/);
    const unknown = await fetch(`${server.url}/v1/records/rec_${'0'.repeat(32)}/fhir`);
    assert.equal(unknown.status, 404);
  });

  it('delivered the job event to the webhook, once', async () => {
    await deps.events.settled();
    assert.deepEqual(
      [...receiver.uniqueEvents().values()].map((event) => event.subject),
      [record.id],
    );
    assert.equal(receiver.received.length, 1);
  });
});
