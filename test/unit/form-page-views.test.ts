import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignInPage } from '../../src/web/views/sign-in-page.js';
import { UploadPage } from '../../src/web/views/upload-page.js';
import { hostile, html, uploader } from '../support/view-props.js';

describe('sign-in page view', () => {
  it('asks for a token in a field labelled "Token", posted with the CSRF field', async () => {
    const page = await html(SignInPage({ csrfToken: 'csrf-2' }));
    assert.match(page, /<form class="stack" method="post" action="\/sign-in">/);
    assert.match(page, /<label for="token">Token<\/label><input id="token" name="token" type="password"/);
    assert.match(page, /<input type="hidden" name="csrf" value="csrf-2"\/>/);
    assert.doesNotMatch(page, /Sign out/, 'no navigation before signing in');
    assert.doesNotMatch(page, /role="alert"/);
  });

  it('says why a sign-in failed, escaped', async () => {
    const page = await html(SignInPage({ csrfToken: 'c', error: hostile }));
    assert.match(page, /<p class="error" role="alert">&lt;script&gt;/);
    assert.doesNotMatch(page, /<script>alert/);
  });
});

describe('upload page view', () => {
  it('posts the image or DICOM file and every metadata field as multipart with the CSRF field', async () => {
    const page = await html(UploadPage({ principal: uploader, csrfToken: 'csrf-3' }));
    assert.match(page, /<form class="stack" method="post" action="\/upload" enctype="multipart\/form-data">/);
    assert.match(page, /<input type="hidden" name="csrf" value="csrf-3"\/>/);
    assert.match(page, /name="image" type="file" required="" accept="[^"]*application\/dicom,\.dcm/);
    const names = [...page.matchAll(/ name="([^"]+)"/g)].map((match) => match[1]);
    for (const field of [
      'extent',
      'bodySite',
      'age',
      'sex',
      'specialty',
      'durationDays',
      'notes',
      'patientName',
      'patientId',
      'dateOfBirth',
    ]) {
      assert.ok(names.includes(field), `the form has ${field}`);
    }
    for (const extent of ['localized', 'widespread', 'unspecified'])
      assert.match(page, new RegExp(`<option value="${extent}"`));
    for (const sex of ['female', 'male', 'other', 'unknown'])
      assert.match(page, new RegExp(`<option value="${sex}">`));
    assert.match(page, /id="upload-age" name="age" type="number" min="0" max="130"/);
    assert.match(
      page,
      /<option value="dermatology">dermatology<\/option>/,
      'specialties from the allow-list',
    );
    assert.match(page, /list="body-site-terms"/);
    assert.match(page, /<datalist id="body-site-terms">.*<option value="back"><\/option>/s);
  });

  it('shows what was wrong with the last upload', async () => {
    const page = await html(
      UploadPage({ principal: uploader, csrfToken: 'c', error: 'age must be whole years' }),
    );
    assert.match(page, /<p class="error" role="alert">age must be whole years<\/p>/);
  });
});
