/**
 * `POST /v1/uploads` (image bytes, metadata in `x-ddx-metadata`) and `POST /v1/jobs`
 * (`{ "key": ... }`): what is wrong with the request is refused first, then a full server
 * refuses before reading the body, then the body is read (capped by hono/body-limit, timed by
 * body-deadline.ts) and only then is a job slot taken.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { InputErrorCode } from '../../errors.js';
import type { PipelineDeps } from '../../pipeline/pipeline-deps.js';
import type { KeyScope } from '../../uploads/key-scope.js';
import { storeUpload } from '../../uploads/store-upload.js';
import { requireRole } from '../auth/require-role.js';
import { sendReply } from '../error-reply.js';
import { HttpError } from '../http-error.js';
import { maxJobRequestBytes, parseJobRequest } from '../job-request.js';
import type { JobSlots } from '../job-slots.js';
import { bodyDeadline } from '../middleware/body-deadline.js';
import { runJob } from '../run-job.js';
import { parseUploadRequest } from '../upload-request.js';
import type { WebEnv } from '../web-env.js';

export interface JobRouteSettings {
  scope: KeyScope;
  slots: JobSlots;
  bodyDeadlineMs: number;
}

export function jobRoutes(deps: PipelineDeps, settings: JobRouteSettings): Hono<WebEnv> {
  const { scope, slots } = settings;
  const uploaders = requireRole('uploader', 'admin');
  return new Hono<WebEnv>()
    .post(
      '/v1/uploads',
      uploaders,
      async (c, next) => {
        // Checked before the body is read: a wrong type or key refuses a 30 MB body unread.
        parseUploadRequest(c.req.raw.headers, new URL(c.req.url).searchParams, scope);
        slots.checkFree();
        await next();
      },
      bodyDeadline(settings.bodyDeadlineMs),
      cappedBody(deps.limits.maxImageBytes),
      async (c) => {
        const upload = parseUploadRequest(c.req.raw.headers, new URL(c.req.url).searchParams, scope);
        const image = new Uint8Array(await c.req.arrayBuffer());
        const reply = await slots.run(async () => {
          const version = await storeUpload(deps.blobStore, { ...upload, image });
          return runJob(deps, { key: upload.key, ...version }, c.get('requestId'));
        });
        return sendReply(c, reply);
      },
    )
    .post(
      '/v1/jobs',
      uploaders,
      async (_c, next) => {
        slots.checkFree();
        await next();
      },
      bodyDeadline(settings.bodyDeadlineMs),
      cappedBody(maxJobRequestBytes),
      async (c) => {
        const body = new Uint8Array(await c.req.arrayBuffer());
        const key = parseJobRequest(c.req.header('content-type'), body, scope);
        return sendReply(c, await slots.run(() => runJob(deps, { key }, c.get('requestId'))));
      },
    );
}

/** hono/body-limit with the API's 413: a declared length over it is refused before a byte is read. */
export function cappedBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      const declared = c.req.header('content-length');
      const size = declared === undefined ? 'the body is' : `the body is ${declared} bytes,`;
      throw new HttpError(413, InputErrorCode.objectTooLarge, `${size} over the limit of ${maxBytes} bytes`);
    },
  });
}
