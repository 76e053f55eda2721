/**
 * The ResultStore contract: SQLite, the in-memory fake and (later) DynamoDB run these cases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ResultStore } from '../../src/ports.js';
import { sampleRecord } from '../support/records.js';

export interface ResultStoreFixture {
  store: ResultStore;
  cleanup?: () => Promise<void>;
}

export function resultStoreContract(adapterName: string, create: () => Promise<ResultStoreFixture>): void {
  describe(`ResultStore contract: ${adapterName}`, () => {
    let fixture: ResultStoreFixture;
    before(async () => {
      fixture = await create();
    });
    after(async () => {
      await fixture.store.close?.();
      await fixture.cleanup?.();
    });

    it('writes a new record and returns it unchanged', async () => {
      const record = sampleRecord({ key: 'uploads/new.jpg' });
      assert.deepEqual(await fixture.store.save(record), { written: true });
      assert.deepEqual(await fixture.store.get(record.id), record);
    });

    it('does not overwrite an existing record and returns the stored one', async () => {
      const record = sampleRecord({ key: 'uploads/twice.jpg' });
      await fixture.store.save(record);
      const second = { ...record, status: 'failed' as const, updatedAt: '2026-11-28T11:00:00.000Z' };
      const outcome = await fixture.store.save(second);
      assert.equal(outcome.written, false);
      assert.ok(!outcome.written);
      assert.deepEqual(outcome.existing, record);
      assert.deepEqual(await fixture.store.get(record.id), record);
    });

    it('replaces a record only when it still has the expected updatedAt', async () => {
      const record = sampleRecord({ key: 'uploads/replace.jpg', status: 'failed' });
      await fixture.store.save(record);
      const retried = { ...record, status: 'succeeded' as const, updatedAt: '2026-11-28T12:00:00.000Z' };
      assert.deepEqual(await fixture.store.save(retried, { replacing: record.updatedAt }), { written: true });
      const stale = { ...record, status: 'degraded' as const, updatedAt: '2026-11-28T13:00:00.000Z' };
      const outcome = await fixture.store.save(stale, { replacing: record.updatedAt });
      assert.ok(!outcome.written);
      assert.equal(outcome.existing.status, 'succeeded');
    });

    it('returns undefined for an unknown id', async () => {
      assert.equal(await fixture.store.get('rec_unknown'), undefined);
    });

    it('lists newest first, filters by status and honours the limit', async () => {
      const older = sampleRecord({
        key: 'uploads/list-1.jpg',
        createdAt: '2030-01-01T00:00:00.000Z',
        status: 'failed',
      });
      const newer = sampleRecord({
        key: 'uploads/list-2.jpg',
        createdAt: '2030-01-02T00:00:00.000Z',
        status: 'failed',
      });
      const degraded = sampleRecord({
        key: 'uploads/list-3.jpg',
        createdAt: '2030-01-03T00:00:00.000Z',
        status: 'degraded',
      });
      for (const record of [older, newer, degraded]) await fixture.store.save(record);
      const all = await fixture.store.list({ limit: 3 });
      assert.deepEqual(
        all.map((record) => record.id),
        [degraded.id, newer.id, older.id],
      );
      const failed = await fixture.store.list({ status: 'failed' });
      assert.ok(failed.every((record) => record.status === 'failed'));
      assert.deepEqual(
        failed.slice(0, 2).map((record) => record.id),
        [newer.id, older.id],
      );
      assert.equal((await fixture.store.list({ limit: 1 })).length, 1);
    });

    it('grants a claim to one owner at a time until it is released or expires', async () => {
      const { store } = fixture;
      assert.equal(await store.claim('rec_claimed', { owner: 'run-a', leaseMs: 60_000 }), true);
      assert.equal(await store.claim('rec_claimed', { owner: 'run-b', leaseMs: 60_000 }), false);
      assert.equal(
        await store.claim('rec_claimed', { owner: 'run-a', leaseMs: 60_000 }),
        true,
        'the holder may renew',
      );
      await store.release('rec_claimed', 'run-b');
      assert.equal(
        await store.claim('rec_claimed', { owner: 'run-b', leaseMs: 60_000 }),
        false,
        'only the holder releases',
      );
      await store.release('rec_claimed', 'run-a');
      assert.equal(await store.claim('rec_claimed', { owner: 'run-b', leaseMs: -1 }), true);
      assert.equal(
        await store.claim('rec_claimed', { owner: 'run-c', leaseMs: 60_000 }),
        true,
        'an expired claim is taken over',
      );
    });

    it('names the holder of a claim, and lets a dead holder be taken over only by name', async (t) => {
      const { store } = fixture;
      if (!store.claimHolder) return t.skip('this store judges claims by their lease alone');
      const process = { pid: 4242, host: 'ward-pc', startedAt: 1_700_000_000_000 };
      assert.equal(await store.claim('rec_held', { owner: 'run-a', leaseMs: 60_000, process }), true);
      const holder = await store.claimHolder('rec_held');
      assert.deepEqual([holder?.owner, holder?.process], ['run-a', process]);
      assert.ok((holder?.expiresAt ?? 0) > Date.now() + 50_000);
      assert.equal(
        await store.claim('rec_held', { owner: 'run-b', leaseMs: 60_000, takeOverFrom: 'run-x' }),
        false,
        'a takeover names the holder it replaces',
      );
      assert.equal(
        await store.claim('rec_held', { owner: 'run-b', leaseMs: 60_000, takeOverFrom: 'run-a' }),
        true,
      );
      assert.equal((await store.claimHolder('rec_held'))?.owner, 'run-b');
      assert.equal(
        await store.claim('rec_held', { owner: 'run-c', leaseMs: 60_000, takeOverFrom: 'run-a' }),
        false,
        'a takeover of a holder already replaced fails',
      );
      await store.release('rec_held', 'run-b');
      assert.equal(await store.claimHolder('rec_held'), undefined);
    });

    it('never lists claims as records', async () => {
      await fixture.store.claim('rec_claim_only', { owner: 'run-a', leaseMs: 60_000 });
      const listed = await fixture.store.list({ limit: 1000 });
      assert.ok(listed.every((record) => record.id !== 'rec_claim_only'));
      assert.equal(await fixture.store.get('rec_claim_only'), undefined);
    });

    it('keeps patient identifiers out of what get and list return', async () => {
      const record = sampleRecord({ key: 'uploads/phi.jpg', createdAt: '2031-01-01T00:00:00.000Z' });
      await fixture.store.save(record, {
        patient: { name: 'Zelda Marker-Quill', patientId: 'MRN-99887766' },
      });
      const returned = JSON.stringify([await fixture.store.get(record.id), await fixture.store.list()]);
      assert.ok(!returned.includes('Zelda Marker-Quill'));
      assert.ok(!returned.includes('MRN-99887766'));
    });

    it('pages the worklist newest first with a cursor, filtered by status, verdict, review state and id', async () => {
      const { store } = fixture;
      // Newer than every other record of the suite, so these five open the unfiltered pages.
      const records = [1, 2, 3, 4, 5].map((day) => {
        const record = sampleRecord({
          key: `uploads/worklist-${day}.jpg`,
          status: day === 3 ? 'failed' : 'succeeded',
          createdAt: `2040-01-0${day}T00:00:00.000Z`,
        });
        const review =
          day % 2 === 0
            ? {
                state: 'final' as const,
                reviewer: 'token:dr-lee',
                at: record.createdAt,
                diagnosis: 'x',
                codes: [],
                comment: null,
              }
            : undefined;
        return {
          ...record,
          review,
          assessment: {
            verdict: day === 5 ? ('uncertain' as const) : ('confident' as const),
            reasons: [],
            scores: {},
          },
        };
      });
      for (const record of records) await store.save(record);
      const ids = (page: { records: { id: string }[] }) => page.records.map((record) => record.id);
      const [r1, r2, r3, r4, r5] = records.map((record) => record.id) as [
        string,
        string,
        string,
        string,
        string,
      ];

      const first = await store.listPage({ limit: 2 });
      assert.deepEqual(ids(first), [r5, r4]);
      assert.ok(first.nextCursor);
      const second = await store.listPage({ limit: 2, cursor: first.nextCursor });
      assert.deepEqual(ids(second), [r3, r2]);
      const third = await store.listPage({ limit: 2, cursor: second.nextCursor ?? '' });
      assert.equal(ids(third)[0], r1);

      const final = await store.listPage({ limit: 10, reviewState: 'final' });
      assert.deepEqual(ids(final).slice(0, 2), [r4, r2]);
      const preliminary = await store.listPage({ limit: 10, reviewState: 'preliminary' });
      assert.ok(!ids(preliminary).includes(r4) && ids(preliminary).includes(r5));
      assert.deepEqual(ids(await store.listPage({ limit: 10, verdict: 'uncertain' })), [r5]);
      const failed = await store.listPage({ limit: 10, status: 'failed' });
      assert.equal(ids(failed)[0], r3);
      assert.ok(failed.records.every((record) => record.status === 'failed'));
      const byId = await store.listPage({ limit: 10, idPrefix: (r2 ?? '').slice(0, 12) });
      assert.deepEqual(ids(byId), [r2]);
      assert.equal(byId.nextCursor, null, 'the last page has no cursor');
    });
  });
}
