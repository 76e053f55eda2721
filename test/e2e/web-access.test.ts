/**
 * Access control, review and server hygiene of `ddx serve` over real HTTP on loopback: 401 without
 * a principal, 403 for the wrong role, 421 for a forged Host, 408 for a slow body that never holds
 * a job slot, API tokens made and revoked by the built CLI, reviews with their audit entries and
 * event, browser sessions with CSRF, and OIDC JWTs signed by a loopback issuer (jose).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { type ComposedDependencies, composeDependencies } from '../../src/compose.js';
import { type Config, loadConfig, packageRoot } from '../../src/config.js';
import type { AuditEntry } from '../../src/ports.js';
import type { InferenceRecord } from '../../src/record.js';
import type { RunningServer } from '../../src/web/serve.js';
import { createDataDir, runCli } from '../support/cli.js';
import {
  type LoopbackWebhookReceiver,
  startLoopbackWebhookReceiver,
} from '../support/loopback-webhook-receiver.js';
import { type TestAccess, testAccess } from '../support/web-server.js';

const sample = join(packageRoot, 'samples', 'localized-melanoma-back.jpg');
const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
const audience = 'ddx-workspace';
/** Long enough that an upload beside the slow clients is answered before their deadline. */
const bodyTimeoutMs = 8000;

interface ErrorBody {
  error: { code: string; step: string; message: string; retriable: boolean };
}

/** A loopback OIDC issuer: its JWKS at /jwks.json, and JWTs signed with its key. */
async function startIssuer() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((request, response) => {
    if (request.url === '/jwks.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    } else {
      response.writeHead(404).end();
    }
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUrl: `${issuer}/jwks.json`,
    sign: (claims: Record<string, unknown>, options: { issuer?: string; expiresIn?: string | number } = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience((claims.aud as string | undefined) ?? audience)
        .setSubject('user-7f3a')
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A raw request, so the Host header can be anything (fetch always sends the URL's). */
function rawRequest(
  url: string,
  options: { method?: string; path: string; headers: Record<string, string> },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/**
 * An upload that declares 100 kB and sends one byte every 200 ms until it is answered: what
 * resolves is the answer's status and code, and `answeredAt` (Date.now()) to order it.
 */
function slowUpload(url: string, token: string) {
  const target = new URL(url);
  return new Promise<{ status: number; code: string; answeredAt: number }>((resolve, reject) => {
    let ticker: NodeJS.Timeout | undefined;
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: '/v1/uploads',
        headers: {
          'content-type': 'image/jpeg',
          'content-length': '100000',
          authorization: `Bearer ${token}`,
        },
      },
      (response) => {
        clearInterval(ticker);
        const answeredAt = Date.now();
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => {
          outgoing.destroy();
          resolve({
            status: response.statusCode ?? 0,
            code: (JSON.parse(body) as ErrorBody).error.code,
            answeredAt,
          });
        });
      },
    );
    outgoing.on('error', (error) => {
      clearInterval(ticker);
      reject(error);
    });
    outgoing.write(Buffer.from([0xff]));
    ticker = setInterval(() => outgoing.write(Buffer.from([0xd8])), 200);
  });
}

describe('ddx serve: access, review, audit and hygiene', () => {
  let dataDir: string;
  let config: Config;
  let deps: ComposedDependencies;
  let access: TestAccess;
  let server: RunningServer;
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let receiver: LoopbackWebhookReceiver;
  let uploader: string;
  let reviewer: string;
  let record: InferenceRecord;
  let image: Buffer;
  let metadata: string;

  const as = (token: string, headers: Record<string, string> = {}) => ({
    authorization: `Bearer ${token}`,
    ...headers,
  });
  const upload = (token: string) =>
    fetch(`${server.url}/v1/uploads`, {
      method: 'POST',
      headers: as(token, { 'content-type': 'image/jpeg', 'x-ddx-metadata': metadata }),
      body: image,
    });
  const review = (token: string, id: string, body: unknown) =>
    fetch(`${server.url}/v1/records/${id}/review`, {
      method: 'POST',
      headers: as(token, { 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
  const errorCode = async (response: Response) => ((await response.json()) as ErrorBody).error.code;

  before(async () => {
    dataDir = await createDataDir();
    issuer = await startIssuer();
    receiver = await startLoopbackWebhookReceiver(webhookSecret);
    config = loadConfig({
      DDX_DATA_DIR: dataDir,
      DDX_LOG_LEVEL: 'silent',
      DDX_WEBHOOK_URL: receiver.url,
      DDX_WEBHOOK_SECRET: webhookSecret,
    });
    deps = await composeDependencies(config);
    access = await testAccess(config);
    server = await access.start(deps, {
      inputPrefix: config.inputPrefix,
      port: 0,
      maxConcurrentJobs: 1,
      bodyTimeoutMs,
      oidc: { issuer: issuer.issuer, audience, roleClaim: 'groups', jwksUrl: issuer.jwksUrl },
    });
    uploader = await access.tokenFor('uploader', 'ward-3-camera');
    reviewer = await access.tokenFor('reviewer', 'dr-lee');
    [image, metadata] = await Promise.all([
      readFile(sample),
      readFile(`${sample}.meta.json`, 'utf8').then((text) => JSON.stringify(JSON.parse(text))),
    ]);
    const response = await upload(uploader);
    assert.equal(response.status, 200);
    record = ((await response.json()) as { record: InferenceRecord }).record;
  });
  after(async () => {
    await server.close();
    await deps.close();
    await access.close();
    await issuer.close();
    await receiver.close();
  });

  it('refuses every route but /healthz without a principal: 401 for the API, the sign-in page for pages', async () => {
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    for (const path of [
      '/v1/records',
      `/v1/records/${record.id}`,
      `/v1/records/${record.id}/image`,
      '/v1/nothing',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 401, path);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      assert.equal(await errorCode(response), 'UNAUTHENTICATED');
    }
    for (const path of ['/', `/records/${record.id}`, '/upload']) {
      const response = await fetch(`${server.url}${path}`, { redirect: 'manual' });
      assert.equal(response.status, 303, path);
      assert.equal(response.headers.get('location'), '/sign-in');
    }
    const refused = await fetch(`${server.url}/v1/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: image,
    });
    assert.equal(refused.status, 401);
    for (const bad of ['Bearer ddx_nottoken', `Bearer ${uploader}x`, 'Basic dXNlcjpwYXNz', 'Bearer a.b.c']) {
      const response = await fetch(`${server.url}/v1/records`, { headers: { authorization: bad } });
      assert.equal(response.status, 401, bad);
    }
  });

  it('enforces roles per route with 403 FORBIDDEN', async () => {
    const byUploader = await review(uploader, record.id, { decision: 'accept' });
    assert.equal(byUploader.status, 403);
    assert.equal(await errorCode(byUploader), 'FORBIDDEN');
    const auditByUploader = await fetch(`${server.url}/v1/records/${record.id}/audit`, {
      headers: as(uploader),
    });
    assert.equal(auditByUploader.status, 403);
    const uploadByReviewer = await upload(reviewer);
    assert.equal(uploadByReviewer.status, 403);
    assert.equal(await errorCode(uploadByReviewer), 'FORBIDDEN');
    const pageByReviewer = await fetch(`${server.url}/upload`, { headers: as(reviewer) });
    assert.equal(pageByReviewer.status, 403);
    // Every role reads.
    for (const token of [uploader, reviewer]) {
      assert.equal(
        (await fetch(`${server.url}/v1/records/${record.id}`, { headers: as(token) })).status,
        200,
      );
    }
  });

  it('refuses a forged Host with 421 HOST_NOT_ALLOWED, answers its own names and /healthz', async () => {
    const { port } = server;
    for (const host of ['attacker.example', `attacker.example:${port}`, 'localhost.attacker.example']) {
      const forged = await rawRequest(server.url, {
        path: '/v1/records',
        headers: { host, ...as(reviewer) },
      });
      assert.equal(forged.status, 421, `${host}: ${forged.body}`);
      assert.equal((JSON.parse(forged.body) as ErrorBody).error.code, 'HOST_NOT_ALLOWED');
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'LOCALHOST']) {
      assert.equal(
        (await rawRequest(server.url, { path: '/v1/records', headers: { host, ...as(reviewer) } })).status,
        200,
        host,
      );
    }
    assert.equal(
      (await rawRequest(server.url, { path: '/healthz', headers: { host: 'attacker.example' } })).status,
      200,
    );
  });

  it('answers slow bodies 408 REQUEST_TIMEOUT without their holding the one job slot', async () => {
    const slow = [
      slowUpload(server.url, uploader),
      slowUpload(server.url, uploader),
      slowUpload(server.url, uploader),
    ];
    // Their headers are in and their bodies trickle while a real upload asks for the only slot.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const normal = await upload(uploader);
    const normalAnsweredAt = Date.now();
    assert.equal(normal.status, 200, 'the slot was free: the slow clients never took it');
    const outcomes = await Promise.all(slow);
    assert.deepEqual(
      outcomes.map(({ status, code }) => [status, code]),
      [
        [408, 'REQUEST_TIMEOUT'],
        [408, 'REQUEST_TIMEOUT'],
        [408, 'REQUEST_TIMEOUT'],
      ],
    );
    assert.ok(
      outcomes.every(({ answeredAt }) => answeredAt >= normalAnsweredAt),
      'the slow clients were still sending while the upload ran',
    );
  });

  it('reviews: accept, amend, reject, each kept beside the untouched AI output and appended to the audit log', async () => {
    const accepted = await review(reviewer, record.id, { decision: 'accept', comment: 'agree' });
    assert.equal(accepted.status, 200);
    const afterAccept = ((await accepted.json()) as { record: InferenceRecord }).record;
    assert.equal(afterAccept.review?.state, 'final');
    assert.equal(afterAccept.review?.reviewer, 'token:dr-lee');
    assert.equal(afterAccept.review?.diagnosis, record.classification?.labels[0]?.label);
    assert.deepEqual(
      afterAccept.review?.codes,
      record.billing?.suggestions.filter((s) => s.system === 'ICD-10-CM').map((s) => s.code),
    );
    assert.equal(afterAccept.review?.comment, 'agree');

    const amended = await review(reviewer, record.id, {
      decision: 'amend',
      diagnosis: 'melanocytic-nevus',
      codes: ['d225'],
      comment: 'dermoscopy: regular network',
    });
    assert.equal(amended.status, 200);
    const afterAmend = ((await amended.json()) as { record: InferenceRecord }).record;
    assert.deepEqual(
      [afterAmend.review?.state, afterAmend.review?.diagnosis, afterAmend.review?.codes],
      ['final', 'melanocytic-nevus', ['D22.5']],
    );

    const unknownCode = await review(reviewer, record.id, { decision: 'amend', codes: ['X99.99'] });
    assert.equal(unknownCode.status, 422);
    for (const bad of [
      { decision: 'maybe' },
      { decision: 'amend' },
      { decision: 'accept', codes: ['D22.5'] },
      { decision: 'reject', extra: 1 },
    ]) {
      assert.equal((await review(reviewer, record.id, bad)).status, 400, JSON.stringify(bad));
    }

    const rejected = await review(reviewer, record.id, { decision: 'reject', comment: 'image out of focus' });
    assert.equal(rejected.status, 200);
    const stored = (await deps.resultStore.get(record.id)) as InferenceRecord;
    assert.deepEqual(
      [stored.review?.state, stored.review?.diagnosis, stored.review?.codes, stored.review?.comment],
      ['rejected', null, [], 'image out of focus'],
    );
    // The AI output is never overwritten.
    for (const field of [
      'classification',
      'localization',
      'recommendation',
      'billing',
      'route',
      'createdAt',
    ] as const) {
      assert.deepEqual(stored[field], record[field], field);
    }

    const audit = await fetch(`${server.url}/v1/records/${record.id}/audit`, { headers: as(reviewer) });
    assert.equal(audit.status, 200);
    const { entries } = (await audit.json()) as { entries: AuditEntry[] };
    assert.deepEqual(
      entries.map((entry) => [entry.action, entry.actor]),
      [
        ['review.accept', 'token:dr-lee'],
        ['review.amend', 'token:dr-lee'],
        ['review.reject', 'token:dr-lee'],
      ],
    );
    assert.equal(entries[0]?.before, null, 'the first review had no review before it');
    assert.deepEqual(entries[1]?.before, afterAccept.review);
    assert.deepEqual(entries[2]?.before, afterAmend.review);
    assert.deepEqual(entries[2]?.after, stored.review);

    // Each final or rejected review sent ddx.record.reviewed to the webhook.
    await deps.events.settled();
    const types = [...receiver.uniqueEvents().values()].map((event) => event.type);
    assert.equal(types.filter((type) => type === 'ddx.record.reviewed').length, 3);
  });

  it('refuses to review a failed record (409) and an unknown one (404)', async () => {
    const failed = await fetch(`${server.url}/v1/uploads`, {
      method: 'POST',
      headers: as(uploader, { 'content-type': 'image/jpeg' }),
      body: Buffer.from('not an image'),
    });
    const failedRecord = ((await failed.json()) as { record: InferenceRecord }).record;
    assert.equal(failedRecord.status, 'failed');
    const response = await review(reviewer, failedRecord.id, { decision: 'accept' });
    assert.equal(response.status, 409);
    assert.equal(await errorCode(response), 'NOT_REVIEWABLE');
    assert.equal((await review(reviewer, `rec_${'0'.repeat(32)}`, { decision: 'accept' })).status, 404);
  });

  it('creates, lists and revokes tokens with the built CLI; a revoked token is refused', async () => {
    const environment = { DDX_DATA_DIR: dataDir };
    const created = await runCli(
      ['tokens', 'create', '--role', 'reviewer', '--name', 'dr-osei'],
      environment,
    );
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    const id = /^ddx_([A-Za-z0-9_-]{22})_/.exec(token)?.[1] ?? '';
    assert.equal((await fetch(`${server.url}/v1/records`, { headers: as(token) })).status, 200);

    const listed = await runCli(['tokens', 'list', '--json'], environment);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(token.slice(28)), 'the secret is never shown again');
    const tokens = JSON.parse(listed.stdout) as {
      id: string;
      name: string;
      role: string;
      revokedAt: string | null;
    }[];
    const mine = tokens.find((entry) => entry.id === id);
    assert.deepEqual([mine?.name, mine?.role, mine?.revokedAt], ['dr-osei', 'reviewer', null]);
    assert.ok(tokens.every((entry) => !('sha256' in entry)));

    const revoked = await runCli(['tokens', 'revoke', id], environment);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await fetch(`${server.url}/v1/records`, { headers: as(token) })).status, 401);
    assert.equal((await runCli(['tokens', 'revoke', id], environment)).code, 2, 'revoked already');
    assert.equal((await runCli(['tokens', 'create', '--role', 'owner'], environment)).code, 2);
  });

  it('accepts OIDC JWTs of the issuer with a role claim, and refuses expired, foreign or role-less ones', async () => {
    const valid = await issuer.sign({ groups: ['staff', 'reviewer'] });
    const list = await fetch(`${server.url}/v1/records`, { headers: as(valid) });
    assert.equal(list.status, 200);
    const reviewed = await review(valid, record.id, { decision: 'amend', codes: ['C43.59'] });
    assert.equal(reviewed.status, 200);
    const body = (await reviewed.json()) as { record: InferenceRecord };
    assert.equal(body.record.review?.reviewer, 'oidc:user-7f3a');

    const refusals: [string, string][] = [
      [
        'expired',
        await issuer.sign({ groups: ['reviewer'] }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 }),
      ],
      [
        'another issuer',
        await issuer.sign({ groups: ['reviewer'] }, { issuer: 'https://login.attacker.example' }),
      ],
      ['another audience', await issuer.sign({ groups: ['reviewer'], aud: 'another-app' })],
      ['no role of ours', await issuer.sign({ groups: ['staff'] })],
    ];
    for (const [why, jwt] of refusals) {
      const response = await fetch(`${server.url}/v1/records`, { headers: as(jwt) });
      assert.equal(response.status, 401, why);
    }
    // The uploader role from a JWT may not review.
    const uploaderJwt = await issuer.sign({ groups: 'uploader' });
    assert.equal((await review(uploaderJwt, record.id, { decision: 'accept' })).status, 403);
  });

  it('signs a browser in with a token: session cookie, CSRF-checked forms, images only with the session', async () => {
    const signInPage = await fetch(`${server.url}/sign-in`);
    assert.equal(signInPage.status, 200);
    const csrfCookie =
      /ddx_csrf=([A-Za-z0-9_-]{43})/.exec(signInPage.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const html = await signInPage.text();
    assert.ok(html.includes(`value="${csrfCookie}"`), 'the form carries the cookie’s token');
    assert.match(html, />Token</);

    const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: server.url,
          cookie: `ddx_csrf=${csrfCookie}`,
          ...headers,
        },
        body: new URLSearchParams(form).toString(),
      });
    assert.equal((await post({ token: reviewer })).status, 403, 'no CSRF field');
    assert.equal(
      (await post({ token: reviewer, csrf: csrfCookie }, { origin: 'https://attacker.example' })).status,
      403,
    );
    assert.equal((await post({ token: `${reviewer}x`, csrf: csrfCookie })).status, 401);

    const signedIn = await post({ token: reviewer, csrf: csrfCookie });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.get('location'), '/');
    const setCookie = signedIn.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /ddx_session=[^;]+;/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const session = /(ddx_session=[^;]+)/.exec(setCookie)?.[1] ?? '';
    const cookie = `${session}; ddx_csrf=${csrfCookie}`;

    const worklist = await fetch(`${server.url}/`, { headers: { cookie } });
    assert.equal(worklist.status, 200);
    assert.equal(worklist.headers.get('cache-control'), 'no-store');
    assert.ok((await worklist.text()).includes(record.id));

    const picture = await fetch(`${server.url}/v1/records/${record.id}/image`, { headers: { cookie } });
    assert.equal(picture.status, 200);
    assert.equal(picture.headers.get('cache-control'), 'no-store');
    assert.equal((await fetch(`${server.url}/v1/records/${record.id}/image`)).status, 401);
    const forged = await fetch(`${server.url}/v1/records/${record.id}/image`, {
      headers: { cookie: 'ddx_session=abc.def' },
    });
    assert.equal(forged.status, 401);

    const reviewForm = (form: Record<string, string>, origin = server.url) =>
      fetch(`${server.url}/records/${record.id}/review`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie },
        body: new URLSearchParams(form).toString(),
      });
    assert.equal((await reviewForm({ decision: 'accept', csrf: 'x'.repeat(43) })).status, 403);
    assert.equal(
      (await reviewForm({ decision: 'accept', csrf: csrfCookie }, 'https://attacker.example')).status,
      403,
    );
    const accepted = await reviewForm({ decision: 'accept', comment: 'seen in clinic', csrf: csrfCookie });
    assert.equal(accepted.status, 303);
    assert.equal(accepted.headers.get('location'), `/records/${record.id}`);
    assert.equal((await deps.resultStore.get(record.id))?.review?.comment, 'seen in clinic');

    const signedOut = await fetch(`${server.url}/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie },
      body: new URLSearchParams({ csrf: csrfCookie }).toString(),
    });
    assert.equal(signedOut.status, 303);
    assert.match(signedOut.headers.get('set-cookie') ?? '', /ddx_session=;/);
  });

  it('lands an upload form on the new record’s page', async () => {
    const page = await fetch(`${server.url}/upload`, { headers: as(uploader) });
    assert.equal(page.status, 200);
    const csrf = /ddx_csrf=([A-Za-z0-9_-]{43})/.exec(page.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const form = new FormData();
    form.set('csrf', csrf);
    form.set('image', new Blob([image], { type: 'image/jpeg' }), 'lesion.jpg');
    form.set('extent', 'localized');
    form.set('bodySite', 'back');
    form.set('age', '61');
    const response = await fetch(`${server.url}/upload`, {
      method: 'POST',
      redirect: 'manual',
      headers: as(uploader, { origin: server.url, cookie: `ddx_csrf=${csrf}` }),
      body: form,
    });
    assert.equal(response.status, 303);
    const location = response.headers.get('location') ?? '';
    const id = /^\/records\/(rec_[0-9a-f]{32})$/.exec(location)?.[1] ?? '';
    const stored = await deps.resultStore.get(id);
    assert.equal(stored?.status, 'succeeded');
    assert.equal(stored?.context?.bodySite, 'back');
    const recordPage = await fetch(`${server.url}${location}`, { headers: as(uploader) });
    assert.equal(recordPage.status, 200);
    assert.ok((await recordPage.text()).includes(id));
  });
});
