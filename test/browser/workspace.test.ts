/**
 * The clinician's workspace in a real browser (issue 12 item 6): Debian's Chromium driven by
 * playwright-core against `ddx serve` started as a user starts it. An uploader signs in, uploads
 * the melanoma sample with its metadata, sees the ROI box over the lesion and opens the crop; a
 * reviewer accepts it with a comment and sees the review and its audit entry; a signed-out visitor
 * and a wrong-role token are refused. With DDX_WRITE_SCREENSHOTS=1 it also writes the README's
 * screenshots to docs/images/.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { packageRoot } from '../../src/config.js';
import { createDataDir } from '../support/cli.js';
import { dicomPhotoOf, dicomPhotoPatient } from '../support/dicom-photo.js';
import { createToken, type ServeProcess, startServe } from './ddx-serve-process.js';

const chromiumPath = '/usr/bin/chromium';
const skip = existsSync(chromiumPath)
  ? false
  : `no Chromium at ${chromiumPath}: install Debian's chromium package to run the browser tests (no browser is ever downloaded)`;
const sample = join(packageRoot, 'samples/localized-melanoma-back.jpg');
const screenshotDir = join(packageRoot, 'docs/images');
const writeScreenshots = process.env.DDX_WRITE_SCREENSHOTS === '1';
const desktop = { width: 1280, height: 900 };

/**
 * The browser globals the page functions use. The project compiles without the DOM library, and a
 * page function runs in the browser, so it names them through `globalThis` (a cast, erased).
 */
interface BrowserWindow {
  document: {
    documentElement: { scrollWidth: number; scrollHeight: number };
    images: ArrayLike<{ naturalWidth: number }>;
  };
  getComputedStyle(element: unknown): { stroke: string };
}
const phone = { width: 390, height: 844 };

/**
 * Where the lesion is, measured from the pixels and not from the detector: the centroid of the
 * clearly dark pixels (the sample's lesion on lighter skin).
 */
async function lesionCentroid(
  path: string,
): Promise<{ x: number; y: number; width: number; height: number }> {
  const { data, info } = await sharp(path).greyscale().raw().toBuffer({ resolveWithObject: true });
  let count = 0;
  let sumX = 0;
  let sumY = 0;
  for (let index = 0; index < data.length; index += 1) {
    if ((data[index] ?? 255) < 120) {
      count += 1;
      sumX += index % info.width;
      sumY += Math.floor(index / info.width);
    }
  }
  assert.ok(count > 1000, 'the sample has a dark lesion');
  return { x: sumX / count, y: sumY / count, width: info.width, height: info.height };
}

/** `POST /v1/uploads` with a bearer token, as a script would: the id of the record it made. */
async function uploadThroughApi(
  url: string,
  token: string,
  image: Uint8Array,
  metadata: string,
): Promise<string> {
  const answer = await fetch(`${url}/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg', 'x-ddx-metadata': metadata },
    body: image,
  });
  const body = (await answer.json()) as { record?: { id: string } };
  assert.ok(body.record, `the upload made a record (${answer.status})`);
  return body.record.id;
}

async function signIn(context: BrowserContext, url: string, token: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${url}/`);
  return page;
}

/** The page fits its viewport: nothing wider than the screen, so nothing scrolls sideways. */
async function assertNoSidewaysScroll(page: Page, width: number): Promise<void> {
  const scrollWidth = await page.evaluate(
    () => (globalThis as unknown as BrowserWindow).document.documentElement.scrollWidth,
  );
  assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide at a ${width} px viewport`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (!writeScreenshots) return;
  await mkdir(screenshotDir, { recursive: true });
  // The viewport, cut short where a short page ends (no empty band under the worklist).
  const viewport = page.viewportSize() ?? desktop;
  const height = await page.evaluate(
    () => (globalThis as unknown as BrowserWindow).document.documentElement.scrollHeight,
  );
  await page.screenshot({
    path: join(screenshotDir, name),
    animations: 'disabled',
    clip: { x: 0, y: 0, width: viewport.width, height: Math.min(viewport.height, height) },
  });
}

describe('the workspace in a real browser', { skip, timeout: 300_000 }, () => {
  let dataDir: string;
  let serve: ServeProcess;
  let browser: Browser;
  let uploaderToken: string;
  let reviewerToken: string;
  let recordId: string;

  before(async () => {
    dataDir = await createDataDir();
    [uploaderToken, reviewerToken] = await Promise.all([
      createToken(dataDir, 'uploader', 'front-desk'),
      createToken(dataDir, 'reviewer', 'dr-lee'),
    ]);
    serve = await startServe(dataDir);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
  });

  after(async () => {
    await browser?.close();
    await serve?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a signed-out visitor, and a token it does not know', async () => {
    const context = await browser.newContext({ viewport: desktop });
    const page = await context.newPage();
    for (const path of ['/', '/upload', '/records/rec_0123456789abcdef0123456789abcdef']) {
      await page.goto(`${serve.url}${path}`);
      assert.equal(new URL(page.url()).pathname, '/sign-in', `${path} sends a visitor to sign in`);
    }
    for (const path of ['/v1/records', '/v1/records/rec_0123456789abcdef0123456789abcdef/image']) {
      const response = await page.request.get(`${serve.url}${path}`);
      assert.equal(response.status(), 401, `${path} without a principal`);
    }
    await page.getByLabel('Token').fill('ddx_not-a-token-anyone-created-0000000000');
    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    assert.equal(answer.status(), 401);
    assert.match((await page.getByRole('alert').textContent()) ?? '', /That token is not valid/);
    await context.close();
  });

  it('an uploader signs in, uploads the sample with its metadata, sees the ROI box over the lesion and opens the crop', async () => {
    const context = await browser.newContext({ viewport: desktop });
    const page = await signIn(context, serve.url, uploaderToken);
    const session = (await context.cookies()).find((cookie) => cookie.name !== 'ddx_csrf');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');

    await page.getByRole('link', { name: 'Upload', exact: true }).click();
    const metadata = JSON.parse(await readFile(`${sample}.meta.json`, 'utf8')) as Record<
      string,
      string | number
    >;
    await page.locator('#upload-image').setInputFiles(sample);
    await page.getByLabel('Extent').selectOption(String(metadata.extent));
    await page.getByLabel('Body site').fill(String(metadata.bodySite));
    await page.getByLabel('Age (years)').fill(String(metadata.age));
    await page.getByLabel('Sex').selectOption(String(metadata.sex));
    await page.getByLabel('Specialty').selectOption(String(metadata.specialty));
    await page.getByLabel('Duration (days)').fill(String(metadata.durationDays));
    await page.getByLabel('Notes').fill(String(metadata.notes));
    const imageResponse = page.waitForResponse((response) =>
      /\/v1\/records\/[^/]+\/image$/.test(response.url()),
    );
    await page.getByRole('button', { name: 'Upload and analyse' }).click();
    await page.waitForURL(/\/records\/rec_[0-9a-f]+$/, { timeout: 120_000 });
    recordId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');

    const image = await imageResponse;
    assert.equal(image.status(), 200);
    assert.equal(image.headers()['cache-control'], 'no-store');
    assert.equal(image.headers()['content-type'], 'image/jpeg');

    // The context reached the record: the page says what was uploaded with the image.
    const context_ = page.getByRole('region', { name: 'Clinical context' });
    assert.match((await context_.textContent()) ?? '', /Body site\s*back/);
    assert.match((await context_.textContent()) ?? '', /Age\s*61/);

    // The ROI: one box, drawn thick and orange, over the lesion the pixels show.
    const roiBox = page.locator('g.detection.roi rect.box');
    assert.equal(await roiBox.count(), 1);
    assert.equal(
      await roiBox.evaluate((rect) => (globalThis as unknown as BrowserWindow).getComputedStyle(rect).stroke),
      'rgb(255, 140, 0)',
    );
    const others = page.locator('g.detection:not(.roi) rect.box');
    for (const other of await others.all()) {
      assert.notEqual(
        await other.evaluate(
          (rect) => (globalThis as unknown as BrowserWindow).getComputedStyle(rect).stroke,
        ),
        'rgb(255, 140, 0)',
      );
    }
    assert.match(
      (await page.locator('g.detection.roi text').textContent()) ?? '',
      /^ROI · lesion \d+%|^ROI · lesion [<>]\d+%/,
    );
    const drawn = await page.locator('svg.overlay image').boundingBox();
    const roi = await roiBox.boundingBox();
    assert.ok(drawn && roi);
    const lesion = await lesionCentroid(sample);
    const onScreen = {
      x: drawn.x + (lesion.x * drawn.width) / lesion.width,
      y: drawn.y + (lesion.y * drawn.height) / lesion.height,
    };
    assert.ok(
      onScreen.x > roi.x &&
        onScreen.x < roi.x + roi.width &&
        onScreen.y > roi.y &&
        onScreen.y < roi.y + roi.height,
      `the lesion at (${onScreen.x.toFixed(0)}, ${onScreen.y.toFixed(0)}) lies inside the ROI box ${JSON.stringify(roi)}`,
    );
    assert.ok(roi.width < drawn.width / 2, 'the ROI is a region, not the whole image');

    // The crop: shown on the page, and opened on its own.
    const cropWidth = await page
      .locator('section.crop img')
      .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
    assert.ok(cropWidth > 0, 'the crop is shown');
    const [cropPage] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('link', { name: 'Open the crop' }).click(),
    ]);
    await cropPage.waitForLoadState();
    assert.equal(new URL(cropPage.url()).pathname, `/v1/records/${recordId}/crop`);
    assert.ok(
      (await cropPage.evaluate(
        () => (globalThis as unknown as BrowserWindow).document.images[0]?.naturalWidth ?? 0,
      )) > 0,
      'the crop opens',
    );
    const crop = await context.request.get(cropPage.url());
    assert.equal(crop.status(), 200);
    assert.equal(crop.headers()['content-type'], 'image/jpeg');
    assert.equal(crop.headers()['cache-control'], 'no-store');

    // An uploader reads but does not review.
    assert.equal(await page.locator('form.review-form').count(), 0);
    assert.match(
      (await page.getByRole('region', { name: 'Review' }).textContent()) ?? '',
      /Your role \(uploader\)/,
    );
    await context.close();
  });

  it('a reviewer accepts it with a comment, and sees the review and its audit entry', async () => {
    assert.ok(recordId, 'the upload made a record');
    const context = await browser.newContext({ viewport: desktop });
    const page = await signIn(context, serve.url, reviewerToken);
    const row = page.locator(`tr[data-record-id="${recordId}"]`);
    assert.equal(await row.count(), 1, 'the new record is on the worklist');
    assert.match((await row.textContent()) ?? '', /preliminary/);
    await row.getByRole('link').click();
    await page.waitForURL(`${serve.url}/records/${recordId}`);

    await page.getByRole('radio', { name: 'Accept' }).check();
    await page.getByLabel('Comment').fill('Agree: refer for excision <b>today</b>.');
    await page.getByRole('button', { name: 'Save review' }).click();
    await page.waitForURL(`${serve.url}/records/${recordId}`);

    const review = page.locator('[data-review-state="final"]');
    assert.equal(await review.count(), 1, 'the review is final');
    assert.match((await review.textContent()) ?? '', /Signed off by .*dr-lee/);
    assert.equal(
      await review.locator('.review-comment').textContent(),
      'Agree: refer for excision <b>today</b>.',
    );
    const audit = page.locator('tr[data-audit-action]');
    assert.equal(await audit.count(), 1, 'one audit entry');
    assert.match((await audit.textContent()) ?? '', /dr-lee.*final/);
    await screenshot(page, 'record-page.png');

    // The documents open with the session too.
    const pdfHref = await page.getByRole('link', { name: 'PDF report' }).getAttribute('href');
    assert.ok(pdfHref);
    const pdf = await context.request.get(new URL(pdfHref, serve.url).toString());
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');

    const answer = await fetch(`${serve.url}/v1/records/${recordId}/audit`, {
      headers: { authorization: `Bearer ${reviewerToken}` },
    });
    assert.equal(answer.status, 200);
    const { entries } = (await answer.json()) as { entries: { actor: string; after: { state: string } }[] };
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.after.state, 'final');

    // More records, newest last: a widespread rash, a nevus, and a truncated JPEG that fails.
    const later: string[] = [];
    for (const name of ['widespread-psoriasis-trunk.jpg', 'localized-nevus-forearm.jpg']) {
      const path = join(packageRoot, 'samples', name);
      const metadata = JSON.stringify(JSON.parse(await readFile(`${path}.meta.json`, 'utf8')));
      later.push(await uploadThroughApi(serve.url, uploaderToken, await readFile(path), metadata));
    }
    const truncated = (await readFile(sample)).subarray(0, 4096);
    later.push(await uploadThroughApi(serve.url, uploaderToken, truncated, '{"extent":"localized"}'));
    await page.goto(`${serve.url}/`);
    const listed = await page
      .locator('tr[data-record-id]')
      .evaluateAll((rows) =>
        rows.map((row) => (row as unknown as { dataset: { recordId: string } }).dataset.recordId),
      );
    assert.deepEqual(listed, [...later].reverse().concat(recordId), 'newest first');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=failed/);
    assert.deepEqual(
      await page
        .locator('tr[data-record-id]')
        .evaluateAll((rows) =>
          rows.map((row) => (row as unknown as { dataset: { recordId: string } }).dataset.recordId),
        ),
      [later[2]],
      'filtered by status',
    );
    await page.getByLabel('Record id').fill(recordId);
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/q=rec_/);
    assert.equal(await page.locator('tr[data-record-id]').count(), 1, 'searched by record id');

    // An amendment needs a diagnosis or codes: refused on the page, then made.
    const nevus = later[1];
    await page.goto(`${serve.url}/records/${nevus}`);
    await page.getByRole('radio', { name: 'Amend' }).check();
    const [refused] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST'),
      page.getByRole('button', { name: 'Save review' }).click(),
    ]);
    assert.equal(refused.status(), 400);
    assert.match((await page.getByRole('alert').textContent()) ?? '', /needs a diagnosis or codes/);
    await page.getByRole('radio', { name: 'Amend' }).check();
    await page.getByLabel('Diagnosis (when amending)').fill('Dysplastic nevus');
    await page.getByLabel(/ICD-10-CM codes/).fill('D22.61, D22.62');
    await page.getByRole('button', { name: 'Save review' }).click();
    await page.waitForURL(`${serve.url}/records/${nevus}`);
    const amended = page.locator('[data-review-state="final"]');
    assert.match((await amended.textContent()) ?? '', /Dysplastic nevus/);
    assert.match((await amended.textContent()) ?? '', /D22\.61, D22\.62/);
    assert.equal(await page.locator('tr[data-audit-action="review.amend"]').count(), 1);

    await page.goto(`${serve.url}/?review=final`);
    assert.equal(
      await page.locator(`tr[data-record-id="${recordId}"]`).count(),
      1,
      'filtered by review state',
    );
    await page.goto(`${serve.url}/?review=preliminary`);
    assert.equal(await page.locator(`tr[data-record-id="${recordId}"]`).count(), 0);
    await page.goto(`${serve.url}/`);
    await assertNoSidewaysScroll(page, desktop.width);
    await screenshot(page, 'worklist.png');
    await context.close();
  });

  it('refuses a token whose role does not allow the action', async () => {
    assert.ok(recordId, 'the upload made a record');
    const review = await fetch(`${serve.url}/v1/records/${recordId}/review`, {
      method: 'POST',
      headers: { authorization: `Bearer ${uploaderToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'reject', comment: 'not mine to decide' }),
    });
    assert.equal(review.status, 403, 'an uploader may not review');
    const context = await browser.newContext({ viewport: desktop });
    const page = await signIn(context, serve.url, reviewerToken);
    const upload = await page.goto(`${serve.url}/upload`);
    assert.equal(upload?.status(), 403, 'a reviewer may not upload');
    await context.close();
  });

  it('reads at a 390 px phone width, and signs out', async () => {
    assert.ok(recordId, 'the upload made a record');
    const context = await browser.newContext({ viewport: phone, isMobile: true });
    const page = await signIn(context, serve.url, reviewerToken);
    await assertNoSidewaysScroll(page, phone.width);
    await page.goto(`${serve.url}/records/${recordId}`);
    await assertNoSidewaysScroll(page, phone.width);
    const drawn = await page.locator('svg.overlay').boundingBox();
    assert.ok(
      drawn && drawn.width <= phone.width && drawn.width > phone.width * 0.7,
      'the image fills the phone width',
    );
    await screenshot(page, 'record-page-phone.png');

    // Signing out ends the session: the worklist asks for a token again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${serve.url}/sign-in`);
    await page.goto(`${serve.url}/`);
    assert.equal(new URL(page.url()).pathname, '/sign-in');
    await context.close();
  });

  it('an uploader uploads a DICOM photograph: shown as decoded with its boxes, the crop, the SR, no patient name', async () => {
    const context = await browser.newContext({ viewport: desktop });
    const page = await signIn(context, serve.url, uploaderToken);
    await page.goto(`${serve.url}/upload`);
    await page.locator('#upload-image').setInputFiles({
      name: 'back-lesion.dcm',
      mimeType: 'application/dicom',
      buffer: await dicomPhotoOf(sample),
    });
    await page.getByLabel('Extent').selectOption('localized');
    await page.getByLabel('Body site').fill('back');
    await page.getByRole('button', { name: 'Upload and analyse' }).click();
    await page.waitForURL(/\/records\/rec_[0-9a-f]+$/, { timeout: 120_000 });
    const dicomId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');

    // A browser cannot show DICOM: the viewer shows the preview JPEG, decoded as the pipeline did.
    const previewPath = `/v1/records/${dicomId}/preview.jpg`;
    assert.equal(await page.locator('svg.overlay image').getAttribute('href'), previewPath);
    assert.match((await page.locator('figcaption').textContent()) ?? '', /shown as the pipeline decoded it/);
    assert.equal(await page.locator('g.detection.roi').count(), 1, 'the ROI is drawn over it');
    const preview = await context.request.get(`${serve.url}${previewPath}`);
    assert.equal(preview.status(), 200);
    assert.equal(preview.headers()['content-type'], 'image/jpeg');
    const previewJpeg = sharp(await preview.body());
    const { width = 0, height = 0 } = await previewJpeg.metadata();
    const [, , gridWidth = 0, gridHeight = 1] = (
      (await page.locator('svg.overlay').getAttribute('viewBox')) ?? ''
    )
      .split(' ')
      .map(Number);
    assert.ok(Math.abs(width / height - gridWidth / gridHeight) < 0.01, 'the aspect of the analysed image');
    const { channels } = await previewJpeg.stats();
    assert.ok((channels[0]?.stdev ?? 0) > 5, 'the photograph, not a blank frame');
    const cropWidth = await page
      .locator('section.crop img')
      .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
    assert.ok(cropWidth > 0, 'the crop (a JPEG) is shown');
    const sr = await context.request.get(`${serve.url}/v1/records/${dicomId}/dicom-sr`);
    assert.equal(sr.status(), 200);
    assert.equal(sr.headers()['content-type'], 'application/dicom');
    assert.equal(await page.getByRole('link', { name: 'DICOM SR' }).count(), 1);
    const html = await page.content();
    for (const identifier of [dicomPhotoPatient.id, 'Quintessa', 'Marlowe']) {
      assert.ok(!html.includes(identifier), `the page does not show ${identifier}`);
    }
    await context.close();
  });
});
