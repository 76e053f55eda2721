/**
 * FHIR push: a stored record's bundle as a transaction to a loopback FHIR server that validates
 * it with an R4 validator, with a fixed bearer token or SMART backend services (a private_key_jwt
 * signed with jose, checked by the server against the client's public key); transient answers
 * retried, a refused token replaced once, a rejected bundle a permanent failure, a failed record
 * not pushed, the patient only by the clinic's identifier.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { DdxError } from '../../src/errors.js';
import { createFhirPushSender } from '../../src/events/fhir-push-sender.js';
import { RecordEventType, recordEvent } from '../../src/events/record-event.js';
import {
  type AccessTokens,
  createSmartBackendAuth,
  staticBearer,
} from '../../src/events/smart-backend-auth.js';
import type { InferenceRecord } from '../../src/record.js';
import { createInMemoryResultStore } from '../support/in-memory-result-store.js';
import { type LoopbackFhirServer, startLoopbackFhirServer } from '../support/loopback-fhir-server.js';
import { failedRecord, localizedFinalRecord } from '../support/reportable-records.js';

const links = { apiBaseUrl: 'https://ddx.example.org' };
const sources = { links, patientIdSystem: 'urn:oid:1.2.36.146.595.217.0.1' };
const policy = { attempts: 3, timeoutMs: 5_000, baseDelayMs: 1, maxDelayMs: 5 };

async function storeWith(record: InferenceRecord, patient?: { patientId: string; name: string }) {
  const store = createInMemoryResultStore();
  await store.save(record, { patient });
  return store;
}

/** A sender for `record`, stored alone, pushing to `baseUrl` with `auth`. */
async function pushSender(
  baseUrl: string,
  auth: AccessTokens,
  record: InferenceRecord,
  patient?: { patientId: string; name: string },
) {
  return createFhirPushSender({
    baseUrl,
    auth,
    resultStore: await storeWith(record, patient),
    sources,
    policy,
  });
}

const completed = (record: InferenceRecord) =>
  recordEvent(record, RecordEventType.completed, { source: '/ddx-assist', links });

describe('FHIR push with a bearer token', () => {
  let server: LoopbackFhirServer;
  before(async () => {
    server = await startLoopbackFhirServer({ bearerToken: 'secret-token' });
  });
  after(() => server.close());

  it('pushes a valid transaction the server stores, with the patient by identifier only', async () => {
    const record = localizedFinalRecord() as InferenceRecord;
    const sender = await pushSender(server.baseUrl, staticBearer('secret-token'), record, {
      patientId: 'MRN-7',
      name: 'Jane Q Doe',
    });
    await sender.send(completed(record));
    const report = [...server.resources.values()].find(
      (resource) => resource.resourceType === 'DiagnosticReport',
    );
    assert.ok(report, 'the DiagnosticReport was stored');
    assert.equal((report as { status?: string }).status, 'final');
    assert.deepEqual((report as { subject?: unknown }).subject, {
      type: 'Patient',
      identifier: { system: sources.patientIdSystem, value: 'MRN-7' },
    });
    const sent = JSON.stringify(server.transactions.at(-1));
    assert.ok(!sent.includes('Jane'), 'the name is never sent');
    const stored = server.resources.size;
    // Pushed again: every resource updated in place, none duplicated.
    await sender.send(completed(record));
    assert.equal(server.resources.size, stored);
  });

  it('retries a server that answers 503, then succeeds', async () => {
    const record = localizedFinalRecord() as InferenceRecord;
    const sender = await pushSender(server.baseUrl, staticBearer('secret-token'), record);
    const before = server.transactions.length;
    server.failNext(503, 2);
    await sender.send(completed(record));
    assert.equal(server.transactions.length, before + 1, 'the third attempt got through');
  });

  it('fails permanently on a wrong token, and does not push a failed record at all', async () => {
    const record = localizedFinalRecord() as InferenceRecord;
    const sender = await pushSender(server.baseUrl, staticBearer('wrong'), record);
    await assert.rejects(
      sender.send(completed(record)),
      (error) => error instanceof DdxError && !error.retriable,
    );
    const failed = failedRecord() as InferenceRecord;
    assert.equal(sender.accepts?.(completed(failed)), false);
    assert.equal(sender.accepts?.(completed(record)), true);
  });
});

describe('FHIR push with SMART backend services', () => {
  let server: LoopbackFhirServer;
  let privateKey: string;
  const clientId = 'ddx-assist-test';
  before(async () => {
    const keys = await generateKeyPair('RS384', { extractable: true });
    privateKey = await exportPKCS8(keys.privateKey);
    const publicJwk = { ...(await exportJWK(keys.publicKey)), kid: 'key-1', alg: 'RS384', use: 'sig' };
    server = await startLoopbackFhirServer({
      smart: { clientId, jwks: { keys: [publicJwk] }, scope: 'system/*.write' },
    });
  });
  after(() => server.close());

  const auth = (overrides: { clientId?: string } = {}) =>
    createSmartBackendAuth({
      fhirBaseUrl: server.baseUrl,
      clientId: overrides.clientId ?? clientId,
      privateKey,
      keyId: 'key-1',
      algorithm: 'RS384',
      scope: 'system/DiagnosticReport.write system/Observation.write',
      policy,
    });

  it('discovers the token endpoint, signs a client assertion the server accepts, and reuses the token', async () => {
    const record = localizedFinalRecord() as InferenceRecord;
    const sender = await pushSender(server.baseUrl, auth(), record);
    await sender.send(completed(record));
    await sender.send(completed(record));
    assert.equal(server.tokensIssued, 1, 'one token for both pushes');
    assert.ok([...server.resources.keys()].some((key) => key.startsWith('DiagnosticReport/')));
  });

  it('fetches a new token once when the server refuses the cached one', async () => {
    const record = localizedFinalRecord() as InferenceRecord;
    const tokens = auth();
    const sender = await pushSender(server.baseUrl, tokens, record);
    await sender.send(completed(record));
    const issued = server.tokensIssued;
    server.revokeTokens();
    await sender.send(completed(record));
    assert.equal(server.tokensIssued, issued + 1);
  });

  it('fails permanently for a client the server does not know', async () => {
    const record = localizedFinalRecord() as InferenceRecord;
    const sender = await pushSender(server.baseUrl, auth({ clientId: 'someone-else' }), record);
    await assert.rejects(
      sender.send(completed(record)),
      (error) => error instanceof DdxError && !error.retriable,
    );
  });
});
