/**
 * AuditLog on DynamoDB, in the result table (no new table, no new index):
 *
 * ```
 * item   { id, status, createdAt, entryId, recordId, at, actor, action, before, after }
 * key    audit#<record id>#<entry id>
 * index  by-status: status `audit#<record id>`, createdAt `<at>#<entry id>`: a record's entries
 *        in order, one query
 * ```
 *
 * Entries are written once with a conditional put (`attribute_not_exists`) and never updated or
 * deleted by this program; an IAM policy can deny UpdateItem/DeleteItem on `audit#` keys too. The
 * index is eventually consistent: an entry may be listed a moment after its append returns.
 */
import type { AuditEntry, AuditLog } from '../../ports.js';
import { resultTableKeys } from '../result-store/dynamodb-table.js';
import {
  connectResultTable,
  itemsWithStatus,
  putIfAbsent,
  type ResultTableSettings,
} from '../shared/aws/dynamodb-result-table.js';

export const auditItemPrefix = 'audit#';
const { partitionKey, statusIndex } = resultTableKeys;

export function createDynamoDbAuditLog(settings: ResultTableSettings): AuditLog {
  const { table, close } = connectResultTable(settings, 'audit');
  return {
    name: 'dynamodb',
    async append(entry, options) {
      // A retried append finds its entry there already: kept as it was.
      await putIfAbsent(
        table,
        {
          [partitionKey]: `${auditItemPrefix}${entry.recordId}#${entry.id}`,
          [statusIndex.partitionKey]: `${auditItemPrefix}${entry.recordId}`,
          [statusIndex.sortKey]: `${entry.at}#${entry.id}`,
          entryId: entry.id,
          recordId: entry.recordId,
          at: entry.at,
          actor: entry.actor,
          action: entry.action,
          before: JSON.stringify(entry.before),
          after: JSON.stringify(entry.after),
        },
        options?.signal,
      );
    },
    async list(recordId, options) {
      const items = await itemsWithStatus(table, `${auditItemPrefix}${recordId}`, {
        ascending: true,
        signal: options?.signal,
      });
      return items.map(
        (item): AuditEntry => ({
          id: String(item.entryId),
          recordId: String(item.recordId),
          at: String(item.at),
          actor: String(item.actor),
          action: String(item.action),
          before: JSON.parse(String(item.before)) as unknown,
          after: JSON.parse(String(item.after)) as unknown,
        }),
      );
    },
    async close() {
      close();
    },
  };
}
