/**
 * The clinician's workspace, server-rendered from the views (src/web/views/, pure functions of
 * their props):
 *
 * ```
 * GET  /                    worklist: ?status=&verdict=&review=&q=<record id>&cursor=   (every role)
 * GET  /records/:id         the record page, with its audit trail for reviewers         (every role)
 * POST /records/:id/review  the review form                                             (reviewer, admin)
 * GET  /upload, POST /upload  the upload form (multipart), then the new record's page   (uploader, admin)
 * GET  /sign-in, POST /sign-in  a token in, a session cookie out; POST /sign-out
 * ```
 *
 * Every form is CSRF-checked twice (hono/csrf on the Origin, the double-submit token of
 * auth/csrf-token.ts); pages are `cache-control: no-store`.
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import { every } from 'hono/combine';
import { csrf } from 'hono/csrf';
import type { Verdict } from '../../outputs/reportable-record.js';
import type { PipelineDeps } from '../../pipeline/pipeline-deps.js';
import type { AuditLog, TokenStore } from '../../ports.js';
import { RecordStatus, type ReviewState } from '../../record.js';
import type { KeyScope } from '../../uploads/key-scope.js';
import { storeUpload } from '../../uploads/store-upload.js';
import { tokenPrincipalId, verifyApiToken } from '../auth/api-tokens.js';
import { checkCsrf, csrfField, csrfTokenFor } from '../auth/csrf-token.js';
import { hasRole, readers, requireRole } from '../auth/require-role.js';
import { endSession, type SessionSettings, startSession } from '../auth/session.js';
import { HttpError } from '../http-error.js';
import type { JobSlots } from '../job-slots.js';
import { mediaTypeOf } from '../media-type.js';
import { bodyDeadline } from '../middleware/body-deadline.js';
import { recordSummary } from '../record-summary.js';
import { applyReview, type ReviewDeps, reviewRequestSchema } from '../review/apply-review.js';
import { runJob } from '../run-job.js';
import { newUploadKey } from '../upload-request.js';
import type { WorklistFilters } from '../view-props.js';
import { RecordPage } from '../views/record-page.js';
import { SignInPage } from '../views/sign-in-page.js';
import { UploadPage } from '../views/upload-page.js';
import { viewPaths } from '../views/view-paths.js';
import { WorklistPage } from '../views/worklist-page.js';
import type { WebEnv } from '../web-env.js';
import { cappedBody } from './jobs.js';
import { storedRecord } from './records.js';

export interface PageSettings {
  scope: KeyScope;
  slots: JobSlots;
  bodyDeadlineMs: number;
  session: SessionSettings;
}

const worklistPageSize = 25;
const verdicts: readonly Verdict[] = ['confident', 'uncertain', 'out-of-scope'];
const reviewStates: readonly ReviewState[] = ['preliminary', 'final', 'rejected'];
/** The metadata fields of the upload form, as the sidecar names them. */
const metadataFields = [
  'extent',
  'bodySite',
  'imageType',
  'age',
  'sex',
  'specialty',
  'durationDays',
  'notes',
  'patientName',
  'patientId',
  'dateOfBirth',
] as const;
/** Multipart framing and the metadata fields, on top of the image. */
const formOverheadBytes = 64 * 1024;

export function pageRoutes(deps: PageDeps, settings: PageSettings): Hono<WebEnv> {
  const secure = settings.session.secure;
  const reviewers = requireRole('reviewer', 'admin');
  const uploaders = requireRole('uploader', 'admin');
  const page: RenderPage = (c, html, status = 200) => {
    c.header('cache-control', 'no-store');
    return c.html(html, status as 200);
  };

  async function recordPage(c: Context<WebEnv>, id: string, error?: string, status = 200) {
    const record = await storedRecord(deps.resultStore, id);
    const principal = c.get('principal');
    const audit = hasRole(principal.role, ['reviewer', 'admin']) ? await deps.audit.list(record.id) : [];
    return page(
      c,
      <RecordPage
        record={record}
        review={record.review ?? null}
        principal={principal}
        csrfToken={csrfTokenFor(c, secure)}
        audit={audit}
        imageUrl={`/v1/records/${encodeURIComponent(record.id)}/image`}
        previewUrl={`/v1/records/${encodeURIComponent(record.id)}/preview.jpg`}
        cropUrl={record.localization?.cropKey ? `/v1/records/${encodeURIComponent(record.id)}/crop` : null}
        error={error}
      />,
      status,
    );
  }

  // Every form post: hono/csrf's Origin check (form posts only: the API is for bearer tokens),
  // the body in time and under its cap, then the double-submit token. Handlers read the parsed
  // form again from Hono's cache.
  const sameOrigin = csrf();
  const formPost = (maxBytes: number) =>
    every(sameOrigin, bodyDeadline(settings.bodyDeadlineMs), cappedBody(maxBytes), async (c, next) => {
      checkCsrf(c, (await c.req.parseBody())[csrfField]);
      await next();
    });
  return new Hono<WebEnv>()
    .get('/', requireRole(...readers), async (c) => {
      const filters = worklistFilters(new URL(c.req.url).searchParams);
      const cursor = c.req.query('cursor');
      const { records, nextCursor } = await deps.resultStore.listPage({
        status: filters.status,
        verdict: filters.verdict,
        reviewState: filters.review,
        idPrefix: filters.q,
        cursor: cursor && /^[A-Za-z0-9_-]{1,400}$/.test(cursor) ? cursor : undefined,
        limit: worklistPageSize,
      });
      return page(
        c,
        <WorklistPage
          records={records.map(recordSummary)}
          filters={filters}
          nextCursor={nextCursor}
          principal={c.get('principal')}
          csrfToken={csrfTokenFor(c, secure)}
        />,
      );
    })
    .get('/records/:id', requireRole(...readers), (c) => recordPage(c, c.req.param('id')))
    .post('/records/:id/review', reviewers, formPost(formOverheadBytes), async (c) => {
      const id = c.req.param('id');
      const request = reviewRequestFromForm(await c.req.parseBody());
      if (!request.success)
        return recordPage(
          c,
          id,
          'Choose accept, amend or reject; an amendment needs a diagnosis or codes.',
          400,
        );
      try {
        await applyReview(deps, await storedRecord(deps.resultStore, id), request.data, c.get('principal'));
      } catch (error) {
        if (error instanceof HttpError && error.status < 500 && error.status !== 404) {
          return recordPage(c, id, error.message, error.status);
        }
        throw error;
      }
      return c.redirect(viewPaths.record(id), 303);
    })
    .get('/upload', uploaders, (c) =>
      page(c, <UploadPage principal={c.get('principal')} csrfToken={csrfTokenFor(c, secure)} />),
    )
    .post(
      '/upload',
      uploaders,
      async (_c, next) => {
        settings.slots.checkFree();
        await next();
      },
      formPost(deps.limits.maxImageBytes + formOverheadBytes),
      (c) => uploadFromForm(c, deps, settings, page),
    )
    .get('/sign-in', (c) => page(c, <SignInPage csrfToken={csrfTokenFor(c, secure)} />))
    .post('/sign-in', formPost(formOverheadBytes), async (c) => {
      const form = await c.req.parseBody();
      const presented = typeof form.token === 'string' ? form.token.trim() : '';
      const stored = presented ? await verifyApiToken(deps.tokens, presented) : undefined;
      if (!stored) {
        return page(
          c,
          <SignInPage csrfToken={csrfTokenFor(c, secure)} error="That token is not valid." />,
          401,
        );
      }
      await startSession(c, stored, settings.session);
      deps.logger.info('signed in', { requestId: c.get('requestId'), principal: tokenPrincipalId(stored) });
      return c.redirect(viewPaths.worklist, 303);
    })
    .post('/sign-out', formPost(formOverheadBytes), async (c) => {
      endSession(c, settings.session);
      return c.redirect(viewPaths.signIn, 303);
    });
}

/** The worklist's filters from its query; values it does not know are dropped, not guessed. */
function worklistFilters(query: URLSearchParams): WorklistFilters {
  const status = query.get('status') ?? '';
  const verdict = query.get('verdict') ?? '';
  const review = query.get('review') ?? '';
  const q = (query.get('q') ?? '').trim();
  return {
    ...(Object.values(RecordStatus).includes(status as RecordStatus)
      ? { status: status as RecordStatus }
      : {}),
    ...(verdicts.includes(verdict as Verdict) ? { verdict: verdict as Verdict } : {}),
    ...(reviewStates.includes(review as ReviewState) ? { review: review as ReviewState } : {}),
    ...(/^[A-Za-z0-9_-]{1,128}$/.test(q) ? { q } : {}),
  };
}

/** The file's declared type when it is one the pipeline takes; it sniffs the real format anyway. */
function uploadContentType(file: File): string {
  const declared = mediaTypeOf(file.type);
  if (declared.startsWith('image/') || declared === 'application/dicom') return declared;
  return file.name.toLowerCase().endsWith('.dcm') ? 'application/dicom' : 'application/octet-stream';
}

type PageDeps = PipelineDeps & ReviewDeps & { tokens: TokenStore; audit: AuditLog };
type RenderPage = (
  c: Context<WebEnv>,
  html: ReturnType<typeof SignInPage>,
  status?: number,
) => Response | Promise<Response>;
type ParsedForm = Awaited<ReturnType<Context<WebEnv>['req']['parseBody']>>;

/** A form field's trimmed text; undefined when absent or blank. */
function formText(form: ParsedForm, name: string): string | undefined {
  const value = form[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The review form as the API's review request; a diagnosis and codes only with an amendment. */
function reviewRequestFromForm(form: ParsedForm) {
  const amend = formText(form, 'decision') === 'amend';
  return reviewRequestSchema.safeParse({
    decision: formText(form, 'decision'),
    diagnosis: amend ? formText(form, 'diagnosis') : undefined,
    codes: amend
      ? formText(form, 'codes')
          ?.split(/[\s,;]+/)
          .filter(Boolean)
      : undefined,
    comment: formText(form, 'comment'),
  });
}

/** The upload form: stores the file with its metadata as one upload, runs it, lands on its record. */
async function uploadFromForm(c: Context<WebEnv>, deps: PageDeps, settings: PageSettings, page: RenderPage) {
  const form = await c.req.parseBody();
  const principal = c.get('principal');
  const refuse = (error: string, status: number) =>
    page(
      c,
      <UploadPage principal={principal} csrfToken={csrfTokenFor(c, settings.session.secure)} error={error} />,
      status,
    );
  const file = form.image;
  if (!(file instanceof File) || file.size === 0) return refuse('Choose an image or DICOM file.', 400);
  if (file.size > deps.limits.maxImageBytes) {
    return refuse(`The file is over the limit of ${deps.limits.maxImageBytes} bytes.`, 413);
  }
  const contentType = uploadContentType(file);
  const metadata = Object.fromEntries(
    metadataFields.flatMap((name) => {
      const value = formText(form, name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const key = newUploadKey(settings.scope, contentType);
  const reply = await settings.slots.run(async () => {
    const version = await storeUpload(deps.blobStore, {
      key,
      contentType,
      image: new Uint8Array(await file.arrayBuffer()),
      metadata: Buffer.from(JSON.stringify(metadata), 'utf8'),
    });
    return runJob(deps, { key, ...version }, c.get('requestId'));
  });
  // A failed record has its page too: it says what went wrong.
  if ('record' in reply.body && reply.body.record) {
    return c.redirect(viewPaths.record(reply.body.record.id), 303);
  }
  const message = 'error' in reply.body ? reply.body.error.message : 'the upload was not analysed';
  return refuse(`Not analysed: ${message}`, reply.status);
}
