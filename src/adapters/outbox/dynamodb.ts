/**
 * The outbox on DynamoDB, in the result table itself (no new table, no new index):
 *
 * ```
 * item   { id, status, createdAt, eventId, sink, event, attempts, lastError, appendedAt, deliveredAt }
 * key    outbox#<eventId>#<sink>
 * index  by-status (status, createdAt): status `outbox#staged`, `outbox#pending` or `outbox#failed`,
 *        createdAt the time the entry was staged, is next due (pending) or failed (failed); a
 *        delivered entry has no status, so it leaves the sparse index. Record listing queries
 *        record statuses only.
 * ```
 *
 * The result store writes the entries with their record (staged, the record, confirmed:
 * result-store/dynamodb-outbox-items.ts); `recover` settles what a crash left staged. Every write
 * is conditional: appending twice keeps the first copy, a claim only takes an entry that is still
 * due, and outcomes only apply to a pending entry. The index is eventually consistent, so the
 * sweep may see an entry a moment late; `claimDue({ only })` (the job's own events) reads the
 * items directly and consistently.
 *
 * @example
 * const outbox = createDynamoDbOutbox({ table: 'ddx-results' });
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RecordEvent } from '../../events/record-event.js';
import type { ClaimOptions, Outbox, OutboxEntry, OutboxState } from '../../ports.js';
import {
  confirmOutboxItems,
  dropStagedItem,
  type OutboxItem,
  type OutboxItemTable,
  outboxItemId,
  outboxStatus,
  sendConditional,
  stageOutboxItems,
} from '../result-store/dynamodb-outbox-items.js';
import { resultTableKeys } from '../result-store/dynamodb-table.js';
import {
  connectResultTable,
  itemsWithStatus,
  type ResultTableSettings,
} from '../shared/aws/dynamodb-result-table.js';

export type DynamoDbOutboxSettings = ResultTableSettings;

function stateOf(item: OutboxItem): OutboxState {
  if (item.status === outboxStatus.pending) return 'pending';
  if (item.status === outboxStatus.failed) return 'failed';
  return 'delivered';
}

function entryOf(item: OutboxItem): OutboxEntry {
  return {
    eventId: item.eventId,
    sink: item.sink,
    event: JSON.parse(item.event) as RecordEvent,
    state: stateOf(item),
    attempts: item.attempts,
    dueAt: item.createdAt,
    lastError: item.lastError ?? null,
    appendedAt: item.appendedAt,
    deliveredAt: item.deliveredAt ?? null,
  };
}

export function createDynamoDbOutbox(settings: DynamoDbOutboxSettings): Outbox {
  const { table, close } = connectResultTable(settings, 'outbox');
  return new DynamoDbOutbox(table, close);
}

const { statusIndex, partitionKey } = resultTableKeys;

/** A conditional update of one entry; `#status` and `#due` name the index's attributes. */
function updateEntry(
  table: OutboxItemTable,
  id: string,
  expressions: { update: string; condition: string },
  values: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<boolean> {
  const text = `${expressions.update} ${expressions.condition}`;
  const names: Record<string, string> = {};
  if (text.includes('#status')) names['#status'] = statusIndex.partitionKey;
  if (text.includes('#due')) names['#due'] = statusIndex.sortKey;
  return sendConditional(
    table,
    'UpdateItem',
    signal,
    new UpdateCommand({
      TableName: table.name,
      Key: { [partitionKey]: id },
      UpdateExpression: expressions.update,
      ConditionExpression: expressions.condition,
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    }),
  );
}

async function queryStatus(
  table: OutboxItemTable,
  status: string,
  options: { limit: number; dueBy?: string; newestFirst: boolean; signal?: AbortSignal },
): Promise<OutboxItem[]> {
  const { newestFirst, ...query } = options;
  return (await itemsWithStatus(table, status, {
    ...query,
    ascending: !newestFirst,
  })) as unknown as OutboxItem[];
}

async function getItem(
  table: OutboxItemTable,
  id: string,
  signal?: AbortSignal,
): Promise<Record<string, unknown> | undefined> {
  const output = await table.call('GetItem', signal, (abortSignal) =>
    table.documents.send(
      new GetCommand({ TableName: table.name, Key: { [partitionKey]: id }, ConsistentRead: true }),
      { abortSignal },
    ),
  );
  return output.Item;
}

/** Leases a pending, due entry by moving its due time; false when someone else got it first. */
function claimItem(
  table: OutboxItemTable,
  item: OutboxItem,
  now: string,
  leaseUntil: string,
  signal?: AbortSignal,
) {
  return updateEntry(
    table,
    item.id,
    { update: 'SET #due = :leaseUntil', condition: '#status = :pending AND #due <= :now' },
    { ':leaseUntil': leaseUntil, ':pending': outboxStatus.pending, ':now': now },
    signal,
  );
}

class DynamoDbOutbox implements Outbox {
  readonly name = 'dynamodb';

  constructor(
    private readonly table: OutboxItemTable,
    private readonly destroyClient: () => void,
  ) {}

  async append(...[event, sinks, options]: Parameters<Outbox['append']>): Promise<void> {
    // Outside a record's save there is no commit point to wait for: staged and confirmed at once.
    const now = options?.now ?? new Date();
    await stageOutboxItems(this.table, [{ event, sinks }], now, options?.signal);
    await confirmOutboxItems(this.table, [{ event, sinks }], now, options?.signal);
  }

  async recover({ now, graceMs, signal }: Parameters<Outbox['recover']>[0]) {
    const staged = await queryStatus(this.table, outboxStatus.staged, {
      limit: 1000,
      dueBy: new Date(now.getTime() - graceMs).toISOString(),
      newestFirst: false,
      signal,
    });
    let confirmed = 0;
    let dropped = 0;
    for (const item of staged) {
      const event = JSON.parse(item.event) as RecordEvent;
      const record = await getItem(this.table, event.subject, signal);
      // The record's write is the commit point: stored at least as new as the event, it happened.
      const updatedAt = typeof record?.updatedAt === 'string' ? record.updatedAt : undefined;
      if (updatedAt !== undefined && updatedAt >= event.time) {
        confirmed += await confirmOutboxItems(this.table, [{ event, sinks: [item.sink] }], now, signal);
      } else if (await dropStagedItem(this.table, item.id, undefined, signal)) {
        dropped++;
      }
    }
    return { confirmed, dropped };
  }

  async claimDue({ now, leaseMs, limit, only, signal }: ClaimOptions): Promise<OutboxEntry[]> {
    const at = now.toISOString();
    const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
    let candidates: OutboxItem[];
    if (only) {
      // The job's own events: their items, read directly (the index may not show them yet).
      candidates = [];
      for (const eventId of only.eventIds) {
        for (const sink of only.sinks) {
          const item = (await getItem(this.table, outboxItemId(eventId, sink), signal)) as
            | OutboxItem
            | undefined;
          if (item && item.status === outboxStatus.pending && item.createdAt <= at) candidates.push(item);
        }
      }
    } else {
      candidates = await queryStatus(this.table, outboxStatus.pending, {
        limit,
        dueBy: at,
        newestFirst: false,
        signal,
      });
    }
    const claimed: OutboxEntry[] = [];
    for (const item of candidates.slice(0, limit)) {
      if (await claimItem(this.table, item, at, leaseUntil, signal))
        claimed.push(entryOf({ ...item, createdAt: leaseUntil }));
    }
    return claimed;
  }

  async markDelivered(...[eventId, sink, at, options]: Parameters<Outbox['markDelivered']>): Promise<void> {
    await updateEntry(
      this.table,
      outboxItemId(eventId, sink),
      {
        update: 'SET deliveredAt = :at, lastError = :none REMOVE #status',
        condition: 'attribute_exists(id)',
      },
      { ':at': at.toISOString(), ':none': null },
      options?.signal,
    );
  }

  async markAttemptFailed(
    ...[eventId, sink, failure, options]: Parameters<Outbox['markAttemptFailed']>
  ): Promise<void> {
    await updateEntry(
      this.table,
      outboxItemId(eventId, sink),
      {
        update: 'SET #status = :next, #due = :due, lastError = :error ADD attempts :one',
        condition: '#status = :pending',
      },
      {
        ':next': failure.retryAt ? outboxStatus.pending : outboxStatus.failed,
        ':due': (failure.retryAt ?? failure.at).toISOString(),
        ':error': failure.error.slice(0, 1000),
        ':one': 1,
        ':pending': outboxStatus.pending,
      },
      options?.signal,
    );
  }

  async list(options?: Parameters<Outbox['list']>[0]): Promise<OutboxEntry[]> {
    const limit = options?.limit ?? 50;
    if (options?.state === 'delivered') {
      throw new Error('the DynamoDB outbox does not index delivered entries: list pending or failed ones');
    }
    const states = options?.state ? [options.state] : (['pending', 'failed'] as const);
    const items = (
      await Promise.all(
        states.map((state) =>
          queryStatus(this.table, outboxStatus[state], { limit, newestFirst: true, signal: options?.signal }),
        ),
      )
    ).flat();
    return items
      .map(entryOf)
      .sort((a, b) => b.appendedAt.localeCompare(a.appendedAt))
      .slice(0, limit);
  }

  async retryFailed(filter?: Parameters<Outbox['retryFailed']>[0]): Promise<number> {
    const now = (filter?.now ?? new Date()).toISOString();
    const failed = await queryStatus(this.table, outboxStatus.failed, {
      limit: 1000,
      newestFirst: true,
      signal: filter?.signal,
    });
    let retried = 0;
    for (const item of failed) {
      if (filter?.eventId && item.eventId !== filter.eventId) continue;
      if (filter?.sink && item.sink !== filter.sink) continue;
      const changed = await updateEntry(
        this.table,
        item.id,
        { update: 'SET #status = :pending, #due = :now, attempts = :zero', condition: '#status = :failed' },
        { ':pending': outboxStatus.pending, ':now': now, ':zero': 0, ':failed': outboxStatus.failed },
        filter?.signal,
      );
      if (changed) retried++;
    }
    return retried;
  }

  async close(): Promise<void> {
    this.destroyClient();
  }
}
