/**
 * `GET /v1/records?status=failed&limit=20`: newest first, filtered by status.
 */
import type { ListOptions } from '../ports.js';
import { RecordStatus } from '../record.js';
import { HttpError, RequestErrorCode } from './http-error.js';

export const defaultListLimit = 20;
export const maxListLimit = 100;

/** Record ids are `rec_` and hex today; anything far from that is not looked up. */
const plausibleRecordId = /^[A-Za-z0-9_-]{1,128}$/;

export function parseRecordsQuery(query: URLSearchParams): ListOptions {
  for (const name of query.keys()) {
    if (name !== 'status' && name !== 'limit') {
      throw new HttpError(400, RequestErrorCode.invalidRequest, 'the query takes status and limit only');
    }
  }
  const statuses: readonly string[] = Object.values(RecordStatus);
  const status = query.get('status') ?? undefined;
  if (status !== undefined && !statuses.includes(status)) {
    throw new HttpError(400, RequestErrorCode.invalidRequest, `status must be one of ${statuses.join(', ')}`);
  }
  const limitText = query.get('limit') ?? String(defaultListLimit);
  const limit = /^\d+$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxListLimit) {
    throw new HttpError(
      400,
      RequestErrorCode.invalidRequest,
      `limit must be a whole number from 1 to ${maxListLimit}`,
    );
  }
  return { status: status as RecordStatus | undefined, limit };
}

export function isPlausibleRecordId(id: string): boolean {
  return plausibleRecordId.test(id);
}
