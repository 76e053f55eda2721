/**
 * The worklist's paging, shared by every ResultStore: records in (createdAt descending, id
 * ascending) order, a page ending at a record, the next one starting strictly after it. The
 * cursor is that position, base64url JSON: opaque to clients, checked when read back.
 */
import type { PageQuery } from '../../ports.js';
import type { InferenceRecord } from '../../record.js';

export interface PagePosition {
  createdAt: string;
  id: string;
}

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

/** The position a cursor names; undefined for anything that is not one of ours. */
export function decodeCursor(cursor: string): PagePosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) {
      const [createdAt, id] = value as unknown[];
      if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
    }
  } catch {
    // not a cursor
  }
  return undefined;
}

/** True when `record` comes after `position` in page order. */
export function isAfter(record: PagePosition, position: PagePosition): boolean {
  return (
    record.createdAt < position.createdAt ||
    (record.createdAt === position.createdAt && record.id > position.id)
  );
}

export function pageOrder(a: PagePosition, b: PagePosition): number {
  return b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);
}

/** Whether a record passes the page's filters (status, verdict, review state, id prefix). */
export function matchesPage(record: InferenceRecord, query: PageQuery): boolean {
  const verdict = (record as { assessment?: { verdict?: string } | null }).assessment?.verdict;
  return (
    (query.status === undefined || record.status === query.status) &&
    (query.verdict === undefined || verdict === query.verdict) &&
    (query.reviewState === undefined || (record.review?.state ?? 'preliminary') === query.reviewState) &&
    (query.idPrefix === undefined || record.id.startsWith(query.idPrefix))
  );
}

/** The page from `candidates` already in page order and past the cursor: `limit` and whether more follow. */
export function pageOf(candidates: InferenceRecord[], limit: number) {
  const records = candidates.slice(0, limit);
  const last = records.at(-1);
  return {
    records,
    nextCursor: candidates.length > limit && last ? encodeCursor(last) : null,
  };
}
