/**
 * The record API: `GET /v1/records` (newest first, `?status=&limit=`), `GET /v1/records/:id`,
 * `POST /v1/records/:id/review` (reviewer, admin) and `GET /v1/records/:id/audit` (reviewer,
 * admin).
 */
import { Hono } from 'hono';
import type { AuditLog, ResultStore } from '../../ports.js';
import type { InferenceRecord } from '../../record.js';
import { requireRole } from '../auth/require-role.js';
import { HttpError, RequestErrorCode } from '../http-error.js';
import { parseJsonBody } from '../json-body.js';
import { bodyDeadline } from '../middleware/body-deadline.js';
import { isPlausibleRecordId, parseRecordsQuery } from '../records-query.js';
import { applyReview, type ReviewDeps, reviewRequestSchema } from '../review/apply-review.js';
import type { WebEnv } from '../web-env.js';
import { cappedBody } from './jobs.js';

const maxReviewBytes = 16 * 1024;

export function recordRoutes(deps: ReviewDeps & { audit: AuditLog }, bodyDeadlineMs: number): Hono<WebEnv> {
  const reviewers = requireRole('reviewer', 'admin');
  return new Hono<WebEnv>()
    .get('/v1/records', async (c) => {
      const records = await deps.resultStore.list(parseRecordsQuery(new URL(c.req.url).searchParams));
      return c.json({ records });
    })
    .get('/v1/records/:id', async (c) =>
      c.json({ record: await storedRecord(deps.resultStore, c.req.param('id')) }),
    )
    .get('/v1/records/:id/audit', reviewers, async (c) => {
      const record = await storedRecord(deps.resultStore, c.req.param('id'));
      return c.json({ entries: await deps.audit.list(record.id) });
    })
    .post(
      '/v1/records/:id/review',
      reviewers,
      bodyDeadline(bodyDeadlineMs),
      cappedBody(maxReviewBytes),
      async (c) => {
        const body = new Uint8Array(await c.req.arrayBuffer());
        const request = parseJsonBody(c.req.header('content-type'), body, reviewRequestSchema, 'a review');
        const record = await storedRecord(deps.resultStore, c.req.param('id'));
        const { record: reviewed } = await applyReview(deps, record, request, c.get('principal'));
        return c.json({ record: reviewed });
      },
    );
}

export async function storedRecord(resultStore: ResultStore, id: string): Promise<InferenceRecord> {
  const record = isPlausibleRecordId(id) ? await resultStore.get(id) : undefined;
  if (!record) throw new HttpError(404, RequestErrorCode.recordNotFound, 'no record with this id');
  return record;
}
