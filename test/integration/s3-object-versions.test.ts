/**
 * A record describes exactly the version its event named (issue 9, item 1). Version 1 then
 * version 2 are uploaded to one key, each image with its own sidecar (age 41, then age 72); the
 * late event for version 1 must never record version 2's bytes or metadata under version 1's id.
 *
 * - versioned bucket (our loopback S3, since s3rver has no versioning): the late event reads
 *   version 1 itself, image and sidecar, by VersionId;
 * - unversioned bucket, our loopback S3: If-Match on the event's ETag is refused (412), and the
 *   record is a non-retriable OBJECT_CHANGED failure;
 * - unversioned bucket, s3rver (which ignores If-Match): the ETag the answer carries is checked,
 *   with the same outcome.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3BlobStore } from '../../src/adapters/blob-store/s3.js';
import type { ObjectVersion } from '../../src/ports.js';
import { type InferenceRecord, recordIdFor } from '../../src/record.js';
import { processEvent } from '../../src/triggers/process-event.js';
import { bareEtag } from '../../src/uploads/object-version.js';
import { storeUpload } from '../../src/uploads/store-upload.js';
import { type LoopbackVersionedS3, startLoopbackVersionedS3 } from '../support/loopback-versioned-s3.js';
import { createPipelineFixture, type PipelineFixture, sampleJpeg } from '../support/pipeline-fixture.js';
import { type RunningS3rver, startS3rver } from '../support/s3rver.js';
import { s3Notification } from '../support/trigger-events.js';

const key = 'uploads/same-key.jpg';
const testPolicy = { attempts: 2, timeoutMs: 5_000, baseDelayMs: 1, maxDelayMs: 5 };

interface Upload {
  image: Buffer;
  sha256: string;
  age: number;
  version: ObjectVersion;
}

interface Bucket {
  bucket: string;
  client: S3Client;
}

async function uploadTwoVersions(fixture: PipelineFixture): Promise<[Upload, Upload]> {
  const uploads: Upload[] = [];
  for (const [width, age] of [
    [120, 41],
    [140, 72],
  ] as const) {
    const image = await sampleJpeg(width, 90);
    const version = await storeUpload(fixture.deps.blobStore, {
      key,
      image,
      metadata: Buffer.from(JSON.stringify({ extent: 'localized', bodySite: 'back', age })),
      contentType: 'image/jpeg',
    });
    uploads.push({ image, sha256: createHash('sha256').update(image).digest('hex'), age, version });
  }
  return uploads as [Upload, Upload];
}

async function recordForEvent(fixture: PipelineFixture, bucket: string, version: ObjectVersion) {
  const event = s3Notification([
    {
      bucket,
      encodedKey: key,
      etag: version.etag === undefined ? undefined : bareEtag(version.etag),
      versionId: version.versionId,
    },
  ]);
  const processed = await processEvent(event, fixture.deps, {
    inputPrefix: 'uploads/',
    requestId: 'late-event',
    concurrency: 1,
  });
  const [outcome] = processed.outcomes;
  assert.equal(processed.outcomes.length, 1);
  assert.ok(outcome?.record, 'the event left a record');
  return outcome.record as InferenceRecord;
}

function fixtureOn({ bucket, client }: Bucket): PipelineFixture {
  return createPipelineFixture({ blobStore: createS3BlobStore({ bucket, client, policy: testPolicy }) });
}

describe('S3 versioned bucket: the late event reads its own version', () => {
  let s3: LoopbackVersionedS3;
  let fixture: PipelineFixture;
  let v1: Upload;
  let v2: Upload;
  before(async () => {
    s3 = await startLoopbackVersionedS3({ versioned: true });
    fixture = fixtureOn(s3);
    [v1, v2] = await uploadTwoVersions(fixture);
  });
  after(() => s3.close());

  it('records version 1 with version 1 bytes and metadata, then version 2 with its own', async () => {
    assert.ok(v1.version.versionId && v2.version.versionId && v1.version.versionId !== v2.version.versionId);
    const first = await recordForEvent(fixture, s3.bucket, v1.version);
    assert.equal(first.status, 'succeeded');
    assert.equal(first.id, recordIdFor({ bucket: s3.bucket, key, ...v1.version }));
    assert.equal(first.inputSha256, v1.sha256);
    assert.equal(first.context?.age, '41');
    assert.equal(first.image?.width, 120);

    const second = await recordForEvent(fixture, s3.bucket, v2.version);
    assert.equal(second.status, 'succeeded');
    assert.notEqual(second.id, first.id);
    assert.equal(second.inputSha256, v2.sha256);
    assert.equal(second.context?.age, '72');
  });

  it('sent the version id on every read of the upload and of its sidecar', () => {
    const reads = s3.seen.filter((request) => request.method !== 'PUT' && request.key === key);
    assert.ok(reads.length >= 4, 'a head and a get per event');
    assert.ok(reads.every((request) => request.versionId !== null));
    // The current sidecar is version 2's: version 1's event read its own by version id.
    const sidecarByVersion = s3.seen.filter(
      (request) => request.key === `${key}.meta.json` && request.versionId !== null,
    );
    assert.equal(sidecarByVersion.length, 1);
  });
});

describe('S3 unversioned bucket: the late event ends as OBJECT_CHANGED', () => {
  const expectChanged = (record: InferenceRecord, bucket: string, v1: Upload) => {
    assert.equal(record.id, recordIdFor({ bucket, key, etag: v1.version.etag }));
    assert.deepEqual(
      [record.status, record.error?.code, record.error?.step, record.error?.retriable],
      ['failed', 'OBJECT_CHANGED', 'load-context', false],
    );
    // Nothing of version 2 is recorded under version 1's id.
    assert.equal(record.inputSha256, null);
    assert.equal(record.context, null);
  };

  describe('on a server that honours If-Match (our loopback S3)', () => {
    let s3: LoopbackVersionedS3;
    let fixture: PipelineFixture;
    let v1: Upload;
    let v2: Upload;
    before(async () => {
      s3 = await startLoopbackVersionedS3({ versioned: false });
      fixture = fixtureOn(s3);
      [v1, v2] = await uploadTwoVersions(fixture);
    });
    after(() => s3.close());

    it('fails version 1 for good after a 412, and version 2 has its own record', async () => {
      expectChanged(await recordForEvent(fixture, s3.bucket, v1.version), s3.bucket, v1);
      const refused = s3.seen.filter((request) => request.key === key && request.status === 412);
      assert.ok(refused.length >= 1 && refused.every((request) => request.ifMatch === v1.version.etag));
      // Not retried: one refused head and at most one refused get for the event.
      assert.ok(refused.length <= 2);

      const second = await recordForEvent(fixture, s3.bucket, v2.version);
      assert.deepEqual(
        [second.status, second.inputSha256, second.context?.age],
        ['succeeded', v2.sha256, '72'],
      );
    });

    it('answers a redelivery of the late event with the same failure, without new work', async () => {
      const before = s3.seen.length;
      const again = await recordForEvent(fixture, s3.bucket, v1.version);
      expectChanged(again, s3.bucket, v1);
      assert.equal(s3.seen.length, before, 'the stored final record answered');
    });
  });

  describe('on s3rver, which ignores If-Match: the ETag of the answer is checked', () => {
    let s3: RunningS3rver;
    let fixture: PipelineFixture;
    let v1: Upload;
    let v2: Upload;
    before(async () => {
      s3 = await startS3rver();
      fixture = fixtureOn(s3);
      [v1, v2] = await uploadTwoVersions(fixture);
    });
    after(() => s3.close());

    it('fails version 1 with OBJECT_CHANGED and records version 2 under its own id', async () => {
      expectChanged(await recordForEvent(fixture, s3.bucket, v1.version), s3.bucket, v1);
      const second = await recordForEvent(fixture, s3.bucket, v2.version);
      assert.deepEqual(
        [second.status, second.inputSha256, second.context?.age],
        ['succeeded', v2.sha256, '72'],
      );
    });
  });
});
