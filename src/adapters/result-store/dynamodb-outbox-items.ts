/**
 * Outbox entries as items of the result table (dynamodb-table.ts), and the write order that
 * stores an event with its record without a transaction (dynalite, the DynamoDB stand-in the
 * tests run on, has no TransactWriteItems):
 *
 * ```
 * 1 stage    one item per (event, sink), status outbox#staged       invisible to drains
 * 2 record   the conditional PutItem of the record                  the commit point
 * 3 confirm  staged -> outbox#pending, due now (creates a missing one)
 *    or, when the record lost its conditional write: drop what this writer staged
 * ```
 *
 * A crash between 1 and 2, or between 2 and 3, leaves staged items. `recover` (the scheduled
 * sweep) settles those older than a grace period by their record: stored at least as new as the
 * event, the entry is confirmed; not stored, it is dropped. So an event is never lost and never
 * announces a record that was not written. (The one extra event possible: a writer that lost a
 * race and died before dropping its staged entries, for a record that another writer stored.)
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PendingEvent } from '../../ports.js';
import { awsErrorName } from '../shared/aws/aws-errors.js';
import { resultTableKeys } from './dynamodb-table.js';

export const outboxItemPrefix = 'outbox#';
export const outboxStatus = {
  staged: 'outbox#staged',
  pending: 'outbox#pending',
  failed: 'outbox#failed',
} as const;

export function outboxItemId(eventId: string, sink: string): string {
  return `${outboxItemPrefix}${eventId}#${sink}`;
}

/** An outbox item: `createdAt` is the by-status index's sort key, here the time the entry is due. */
export interface OutboxItem {
  id: string;
  status?: string;
  createdAt: string;
  eventId: string;
  sink: string;
  event: string;
  attempts: number;
  lastError?: string | null;
  appendedAt: string;
  deliveredAt?: string | null;
  /** The save that staged it: only that writer drops it when its record lost. */
  stagedBy?: string;
}

/** What the item writes need of a table: its name, the document client, the retrying call. */
export interface OutboxItemTable {
  name: string;
  documents: DynamoDBDocumentClient;
  call<T>(
    operation: string,
    signal: AbortSignal | undefined,
    attempt: (abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T>;
}

const { statusIndex } = resultTableKeys;
const names = { '#status': statusIndex.partitionKey, '#due': statusIndex.sortKey };

/** Sends a conditional write; false when its condition failed (an expected outcome, not an error). */
export function sendConditional(
  table: OutboxItemTable,
  operation: string,
  signal: AbortSignal | undefined,
  command: PutCommand | UpdateCommand | DeleteCommand,
): Promise<boolean> {
  return table.call(operation, signal, async (abortSignal) => {
    try {
      await table.documents.send(command as PutCommand, { abortSignal });
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  });
}

function entries(events: readonly PendingEvent[]) {
  return events.flatMap(({ event, sinks }) => sinks.map((sink) => ({ event, sink })));
}

/** Step 1: stages every entry; an entry that exists already (any state) is left as it is. */
export async function stageOutboxItems(
  table: OutboxItemTable,
  events: readonly PendingEvent[],
  now: Date,
  signal?: AbortSignal,
): Promise<string> {
  const token = randomUUID();
  const at = now.toISOString();
  for (const { event, sink } of entries(events)) {
    const item: OutboxItem = {
      id: outboxItemId(event.id, sink),
      status: outboxStatus.staged,
      createdAt: at,
      eventId: event.id,
      sink,
      event: JSON.stringify(event),
      attempts: 0,
      appendedAt: at,
      stagedBy: token,
    };
    await sendConditional(
      table,
      'PutItem',
      signal,
      new PutCommand({ TableName: table.name, Item: item, ConditionExpression: 'attribute_not_exists(id)' }),
    );
  }
  return token;
}

/**
 * Step 3: the record is stored, so its entries become pending and due now. An entry that is not
 * there (another writer staged and dropped it meanwhile) is created; one already pending,
 * delivered or failed is left alone.
 */
export async function confirmOutboxItems(
  table: OutboxItemTable,
  events: readonly PendingEvent[],
  now: Date,
  signal?: AbortSignal,
): Promise<number> {
  let confirmed = 0;
  const at = now.toISOString();
  for (const { event, sink } of entries(events)) {
    const changed = await sendConditional(
      table,
      'UpdateItem',
      signal,
      new UpdateCommand({
        TableName: table.name,
        Key: { id: outboxItemId(event.id, sink) },
        UpdateExpression:
          'SET #status = :pending, #due = :now, eventId = :eventId, sink = :sink, #event = :event, attempts = :zero, appendedAt = if_not_exists(appendedAt, :now) REMOVE stagedBy',
        ConditionExpression: 'attribute_not_exists(id) OR #status = :staged',
        ExpressionAttributeNames: { ...names, '#event': 'event' },
        ExpressionAttributeValues: {
          ':pending': outboxStatus.pending,
          ':staged': outboxStatus.staged,
          ':now': at,
          ':eventId': event.id,
          ':sink': sink,
          ':event': JSON.stringify(event),
          ':zero': 0,
        },
      }),
    );
    if (changed) confirmed++;
  }
  return confirmed;
}

/** Drops a staged entry: only the given writer's when `token` is given, else any still staged. */
export function dropStagedItem(
  table: OutboxItemTable,
  id: string,
  token: string | undefined,
  signal?: AbortSignal,
): Promise<boolean> {
  return sendConditional(
    table,
    'DeleteItem',
    signal,
    new DeleteCommand({
      TableName: table.name,
      Key: { id },
      ConditionExpression: token ? '#status = :staged AND stagedBy = :token' : '#status = :staged',
      ExpressionAttributeNames: { '#status': statusIndex.partitionKey },
      ExpressionAttributeValues: { ':staged': outboxStatus.staged, ...(token ? { ':token': token } : {}) },
    }),
  );
}

/** The ids of every entry of these events. */
export function outboxItemIds(events: readonly PendingEvent[]): string[] {
  return entries(events).map(({ event, sink }) => outboxItemId(event.id, sink));
}
