import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError } from '../../src/errors.js';
import { createOidcVerifier } from '../../src/web/auth/oidc.js';
import { allowedHostsFor, hostnameOf } from '../../src/web/middleware/allowed-hosts.js';

describe('OIDC verifier settings', () => {
  it('fetches the JWKS over https only, except on this machine', () => {
    const settings = { audience: 'ddx', roleClaim: 'ddx_role' };
    assert.throws(
      () => createOidcVerifier({ ...settings, issuer: 'http://idp.example' }),
      ConfigurationError,
    );
    assert.throws(
      () =>
        createOidcVerifier({
          ...settings,
          issuer: 'https://idp.example',
          jwksUrl: 'http://idp.example/keys',
        }),
      ConfigurationError,
    );
    assert.equal(typeof createOidcVerifier({ ...settings, issuer: 'https://idp.example' }), 'function');
    assert.equal(typeof createOidcVerifier({ ...settings, issuer: 'http://127.0.0.1:9000' }), 'function');
  });

  it('refuses a JWT that is not one, without a network call', async () => {
    const verify = createOidcVerifier({
      issuer: 'https://idp.example',
      audience: 'ddx',
      roleClaim: 'ddx_role',
    });
    assert.equal(await verify('a.b.c'), undefined);
  });
});

describe('Host allow-list', () => {
  it('answers for loopback names and the bound address, never for a wildcard bind itself', () => {
    assert.deepEqual(allowedHostsFor('127.0.0.1'), ['localhost', '127.0.0.1', '[::1]']);
    assert.deepEqual(allowedHostsFor('0.0.0.0', ['DDX.Clinic.example']), [
      'localhost',
      '127.0.0.1',
      '[::1]',
      'ddx.clinic.example',
    ]);
    assert.deepEqual(allowedHostsFor('10.0.0.7'), ['localhost', '127.0.0.1', '[::1]', '10.0.0.7']);
    assert.deepEqual(allowedHostsFor('fd00::7'), ['localhost', '127.0.0.1', '[::1]', '[fd00::7]']);
  });

  it('reads the host name from a Host header, port and case aside', () => {
    assert.equal(hostnameOf('Example.org:8000'), 'example.org');
    assert.equal(hostnameOf('[::1]:8000'), '[::1]');
    assert.equal(hostnameOf('[::1'), '');
    assert.equal(hostnameOf(undefined), '');
  });
});
