/**
 * Issue 13's "done when", end to end through the real `ddx` binary: a localized photo and a DICOM
 * through `ddx run`; the FHIR bundle validates (R4 validator), the SR passes dciodvfy with no
 * errors and dsrdump reads it, the PDF renders (pdftoppm, pdftotext), and a loopback webhook
 * receiver verifies the signature of exactly one event per record. Then with the receiver down for
 * the whole run and up afterwards: every event arrives once the sender drains, none is lost, and
 * duplicates carry the same webhook-id; and the dead-letter path (`events list --failed`, `events
 * retry`). The validator tests skip where the Debian tools are missing (.ci/run installs them).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createLocalFolderBlobStore } from '../../src/adapters/blob-store/local-folder.js';
import { packageRoot } from '../../src/config.js';
import type { InferenceRecord } from '../../src/record.js';
import { createDataDir, runCli } from '../support/cli.js';
import { dicomPhotoOf } from '../support/dicom-photo.js';
import { runTool, skipWithout } from '../support/external-tools.js';
import { fhirValidationIssues } from '../support/fhir-validator.js';
import {
  type LoopbackWebhookReceiver,
  startLoopbackWebhookReceiver,
} from '../support/loopback-webhook-receiver.js';

const photo = join(packageRoot, 'samples', 'localized-melanoma-back.jpg');
const secret = `whsec_${randomBytes(24).toString('base64')}`;

/** The DICOM photograph of the sample, with its sidecar. */
async function writeDicomSample(folder: string): Promise<string> {
  const bytes = await dicomPhotoOf(photo);
  const path = join(folder, 'back-lesion.dcm');
  await writeFile(path, bytes);
  await writeFile(`${path}.meta.json`, JSON.stringify({ extent: 'localized', bodySite: 'back' }));
  return path;
}

/** Runs `ddx` and collects stdout as bytes (binary formats). */
function runCliBytes(
  args: string[],
  environment: Record<string, string>,
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(packageRoot, 'bin/ddx.js'), ...args],
      {
        env: { PATH: process.env.PATH ?? '', ...environment },
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr: stderr.toString('utf8') });
      },
    );
  });
}

async function runRecord(image: string, environment: Record<string, string>): Promise<InferenceRecord> {
  const result = await runCli(['run', image, '--json'], environment);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as InferenceRecord;
}

let scratch: string;
let dicomSample: string;
let receiver: LoopbackWebhookReceiver;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ddx-outputs-e2e-'));
  dicomSample = await writeDicomSample(scratch);
  receiver = await startLoopbackWebhookReceiver(secret);
});
after(async () => {
  await receiver.close();
  await rm(scratch, { recursive: true, force: true });
});

const sinkEnvironment = () => ({
  DDX_WEBHOOK_URL: receiver.url,
  DDX_WEBHOOK_SECRET: secret,
  DDX_PUBLIC_URL: 'https://ddx.example.org',
});

describe('ddx run, then every output format and one signed event per record', () => {
  let environment: Record<string, string>;
  let photoRecord: InferenceRecord;
  let dicomRecord: InferenceRecord;
  let dataDir: string;
  before(async () => {
    dataDir = await createDataDir();
    environment = { DDX_DATA_DIR: dataDir, ...sinkEnvironment() };
    receiver.received.length = 0;
    receiver.setBehaviour({ kind: 'accept' });
    photoRecord = await runRecord(photo, environment);
    dicomRecord = await runRecord(dicomSample, environment);
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('analysed both: the DICOM record carries its instance UIDs, never the patient', () => {
    assert.equal(photoRecord.status, 'succeeded');
    assert.equal(dicomRecord.status, 'succeeded');
    assert.equal(photoRecord.dicom, null);
    assert.deepEqual(dicomRecord.dicom, {
      sopClassUid: '1.2.840.10008.5.1.4.1.1.77.1.4',
      sopInstanceUid: '2.25.1234567890123456789012345678901',
      studyInstanceUid: '2.25.2234567890123456789012345678902',
      seriesInstanceUid: '2.25.3234567890123456789012345678903',
      frames: 1,
    });
    assert.ok(!JSON.stringify(dicomRecord).includes('MRN-77100442'));
  });

  it('delivered exactly one verified event per record, once each', () => {
    assert.equal(receiver.received.length, 2, 'one request per record, no duplicates');
    assert.ok(
      receiver.received.every((request) => request.verified),
      'every signature verified',
    );
    const events = [...receiver.uniqueEvents().values()];
    assert.deepEqual(events.map((event) => event.subject).sort(), [photoRecord.id, dicomRecord.id].sort());
    for (const event of events) assert.equal(event.type, 'ddx.record.completed');
    const dicomEvent = events.find((event) => event.subject === dicomRecord.id) as {
      data: { links: { dicomSr: string } };
    };
    assert.equal(
      dicomEvent.data.links.dicomSr,
      `https://ddx.example.org/v1/records/${dicomRecord.id}/dicom-sr`,
    );
    for (const marker of ['MRN-77100442', 'Quintessa', 'back-lesion', 'localized-melanoma']) {
      assert.ok(!receiver.received.some((request) => request.body.includes(marker)), `${marker} in an event`);
    }
  });

  it('gives a FHIR bundle that validates, with the patient reference only for the DICOM', async () => {
    for (const record of [photoRecord, dicomRecord]) {
      const result = await runCli(['results', 'get', record.id, '--format', 'fhir'], environment);
      assert.equal(result.code, 0, result.stderr);
      const bundle = JSON.parse(result.stdout);
      assert.deepEqual(fhirValidationIssues(bundle), []);
      const report = bundle.entry.find(
        (entry: { resource: { resourceType: string } }) => entry.resource.resourceType === 'DiagnosticReport',
      );
      assert.equal(report.resource.status, 'preliminary');
      const subject = report.resource.subject;
      if (record === dicomRecord) assert.equal(subject?.identifier?.value, 'MRN-77100442');
      else assert.equal(subject, undefined);
    }
  });

  it('gives a DICOM SR for the DICOM that dciodvfy passes with no errors and dsrdump reads, and archives it', {
    skip: skipWithout('dciodvfy', 'dsrdump'),
  }, async () => {
    const result = await runCliBytes(['results', 'get', dicomRecord.id, '--format', 'dicom-sr'], environment);
    assert.equal(result.code, 0, result.stderr);
    const path = join(scratch, 'sr.dcm');
    await writeFile(path, result.stdout);
    const verify = runTool('dciodvfy', [path]);
    const report = `${verify.stdout}\n${verify.stderr}`;
    assert.deepEqual(
      report.split('\n').filter((line) => /^Error/.test(line)),
      [],
      report,
    );
    const dump = runTool('dsrdump', ['+Pc', '+Pt', path]);
    assert.equal(dump.status, 0, dump.stderr);
    assert.match(dump.stdout, /Imaging Measurement Report/);
    // The SR archive sink stored the same document under derived/sr/.
    const blobs = createLocalFolderBlobStore({ root: join(dataDir, 'blobs') });
    const archived = await blobs.get(`derived/sr/${dicomRecord.id}.dcm`, { maxBytes: 10_000_000 });
    assert.deepEqual(Buffer.from(archived), result.stdout);
  });

  it('refuses an SR of the photo', async () => {
    const result = await runCliBytes(['results', 'get', photoRecord.id, '--format', 'dicom-sr'], environment);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not of a DICOM input/);
    const blobs = createLocalFolderBlobStore({ root: join(dataDir, 'blobs') });
    await assert.rejects(blobs.head(`derived/sr/${photoRecord.id}.dcm`), { code: 'OBJECT_NOT_FOUND' });
  });

  it('gives a PDF report that renders, with findings and the disclaimer', {
    skip: skipWithout('pdftoppm', 'pdftotext'),
  }, async () => {
    for (const record of [photoRecord, dicomRecord]) {
      const result = await runCliBytes(['results', 'get', record.id, '--format', 'pdf'], environment);
      assert.equal(result.code, 0, result.stderr);
      const path = join(scratch, `${record.id}.pdf`);
      await writeFile(path, result.stdout);
      const text = runTool('pdftotext', ['-layout', path, '-']);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /Melanoma/i);
      assert.match(text.stdout, /not a diagnosis/i);
      const rendered = runTool('pdftoppm', [
        '-r',
        '30',
        '-png',
        '-f',
        '1',
        '-l',
        '1',
        path,
        join(scratch, record.id),
      ]);
      assert.equal(rendered.status, 0, rendered.stderr);
      const page = await sharp(join(scratch, `${record.id}-1.png`)).metadata();
      assert.ok((page.width ?? 0) > 100 && (page.height ?? 0) > 100);
    }
  });
});

describe('a webhook receiver down for the whole run, up afterwards', () => {
  it('gets every event once the sender drains; none is lost; duplicates carry the same webhook-id', async () => {
    const dataDir = await createDataDir();
    // Due again at once after a failed attempt, so the drain below needs no waiting.
    const environment = { DDX_DATA_DIR: dataDir, DDX_EVENT_RETRY_DELAY_MS: '0', ...sinkEnvironment() };
    try {
      await receiver.stop();
      receiver.received.length = 0;
      const records = [await runRecord(photo, environment), await runRecord(dicomSample, environment)];
      assert.equal(receiver.received.length, 0);

      const listed = await runCli(['events', 'list', '--json'], environment);
      assert.equal(listed.code, 0, listed.stderr);
      const pending = (
        JSON.parse(listed.stdout) as {
          sink: string;
          state: string;
          attempts: number;
          event: { subject: string };
        }[]
      ).filter((entry) => entry.sink === 'webhook');
      assert.deepEqual(
        pending.map((entry) => entry.event.subject).sort(),
        records.map((record) => record.id).sort(),
      );
      for (const entry of pending) {
        assert.equal(entry.state, 'pending');
        assert.equal(entry.attempts, 1);
      }

      // Back up, but its first two answers are lost to a 503: the sender tries again, same id.
      await receiver.start();
      receiver.setBehaviour({ kind: 'fail', status: 503, times: 2 });
      const drained = await runCli(['events', 'drain'], environment);
      assert.equal(drained.code, 0, drained.stderr);
      assert.match(drained.stdout, /delivered 2,/);

      const unique = receiver.uniqueEvents();
      assert.deepEqual(
        [...unique.values()].map((event) => event.subject).sort(),
        records.map((record) => record.id).sort(),
      );
      assert.ok(receiver.received.length > unique.size, 'the 503s caused redeliveries');
      assert.ok(receiver.received.every((request) => request.verified));
      for (const [webhookId, event] of unique) {
        const copies = receiver.received.filter((request) => request.webhookId === webhookId);
        assert.ok(
          copies.every((copy) => copy.body === copies[0]?.body),
          'every copy is the same event',
        );
        assert.equal(webhookId, event.id, 'webhook-id is the event id');
      }

      // Nothing is left: a second drain sends nothing more.
      const count = receiver.received.length;
      const again = await runCli(['events', 'drain'], environment);
      assert.match(again.stdout, /delivered 0,/);
      assert.equal(receiver.received.length, count);
    } finally {
      receiver.setBehaviour({ kind: 'accept' });
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('dead-letters after the last attempt, lists it as failed, and delivers it on retry', async () => {
    const dataDir = await createDataDir();
    const environment = {
      DDX_DATA_DIR: dataDir,
      DDX_EVENT_MAX_ATTEMPTS: '1',
      DDX_DICOM_SR_ARCHIVE: 'false',
      ...sinkEnvironment(),
    };
    try {
      await receiver.stop();
      receiver.received.length = 0;
      const record = await runRecord(photo, environment);
      const failed = await runCli(['events', 'list', '--failed'], environment);
      assert.equal(failed.code, 0, failed.stderr);
      assert.match(failed.stdout, new RegExp(`${record.id}\\s+webhook\\s+failed\\s+attempts 1`));
      assert.match(failed.stdout, /last error: webhook POST failed/);

      await receiver.start();
      const retried = await runCli(['events', 'retry'], environment);
      assert.equal(retried.code, 0, retried.stderr);
      assert.match(retried.stdout, /^1 dead-lettered entry pending again; delivered 1,/);
      assert.deepEqual(
        [...receiver.uniqueEvents().values()].map((event) => event.subject),
        [record.id],
      );
      const none = await runCli(['events', 'list', '--failed'], environment);
      assert.equal(none.stdout, 'no events\n');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
