/**
 * The TokenStore and AuditLog contracts, run against SQLite and DynamoDB (dynalite): tokens are
 * found by id, listed without ever needing the secret, revoked once; audit entries are appended
 * once, listed oldest first per record, and an append retried keeps the first copy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEntry, AuditLog, TokenStore } from '../../src/ports.js';
import { createApiToken, verifyApiToken } from '../../src/web/auth/api-tokens.js';

export interface AccessStoresFixture {
  tokens: TokenStore;
  audit: AuditLog;
  cleanup?: () => Promise<void>;
}

export function accessStoresContract(adapterName: string, create: () => Promise<AccessStoresFixture>): void {
  describe(`TokenStore and AuditLog contract: ${adapterName}`, () => {
    let fixture: AccessStoresFixture;
    before(async () => {
      fixture = await create();
    });
    after(async () => {
      await fixture.tokens.close?.();
      await fixture.audit.close?.();
      await fixture.cleanup?.();
    });

    it('stores a token by its hash only, verifies it, lists it and revokes it once', async () => {
      const { token, stored } = await createApiToken(fixture.tokens, { role: 'reviewer', name: 'dr-lee' });
      assert.equal(stored.sha256.length, 64);
      const listed = await fixture.tokens.list();
      assert.ok(!JSON.stringify(listed).includes(token.slice(-43)), 'the secret is not stored');
      assert.deepEqual(
        listed.find((entry) => entry.id === stored.id),
        stored,
      );
      assert.deepEqual(await verifyApiToken(fixture.tokens, token), stored);
      assert.equal(
        await verifyApiToken(fixture.tokens, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`),
        undefined,
        'a wrong secret',
      );
      assert.equal(await fixture.tokens.revoke(stored.id, '2031-01-01T00:00:00.000Z'), true);
      assert.equal(await fixture.tokens.revoke(stored.id, '2031-01-02T00:00:00.000Z'), false, 'once');
      assert.equal(await fixture.tokens.revoke('no-such-token', '2031-01-02T00:00:00.000Z'), false);
      assert.equal((await fixture.tokens.get(stored.id))?.revokedAt, '2031-01-01T00:00:00.000Z');
      assert.equal(await verifyApiToken(fixture.tokens, token), undefined, 'revoked');
    });

    it('appends audit entries once and lists a record’s entries oldest first', async () => {
      const entry = (id: string, at: string, recordId = 'rec_audited'): AuditEntry => ({
        id,
        recordId,
        at,
        actor: 'token:dr-lee',
        action: 'review.accept',
        before: null,
        after: { state: 'final', at },
      });
      await fixture.audit.append(entry('aud_2', '2031-01-02T00:00:00.000Z'));
      await fixture.audit.append(entry('aud_1', '2031-01-01T00:00:00.000Z'));
      await fixture.audit.append(entry('aud_other', '2031-01-01T00:00:00.000Z', 'rec_other'));
      await fixture.audit.append({ ...entry('aud_1', '2031-01-01T00:00:00.000Z'), actor: 'token:intruder' });
      const entries = await fixture.audit.list('rec_audited');
      assert.deepEqual(
        entries.map((listed) => [listed.id, listed.actor]),
        [
          ['aud_1', 'token:dr-lee'],
          ['aud_2', 'token:dr-lee'],
        ],
      );
      assert.deepEqual(entries[0], entry('aud_1', '2031-01-01T00:00:00.000Z'));
      assert.deepEqual(await fixture.audit.list('rec_nobody'), []);
    });
  });
}
