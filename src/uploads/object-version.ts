/**
 * One exact version of an upload (DESIGN.md section 1: a record describes exactly the bytes it
 * analysed and the metadata uploaded with them). The blob stores read a version with these rules:
 * what a read found must be the version it was asked for, else OBJECT_CHANGED; and an upload
 * names the sidecar version it was stored with in its own user metadata, so the pair is read back
 * as it was written, whatever later uploads did to the sidecar's key.
 */
import { BadInputError, InputErrorCode } from '../errors.js';
import type { ObjectVersion } from '../ports.js';

/** User metadata names of the sidecar version an upload was stored with (`x-amz-meta-*` on S3). */
const sidecarVersionIdName = 'ddx-sidecar-version-id';
const sidecarEtagName = 'ddx-sidecar-etag';

/**
 * The version the event named no longer exists as it was: non-retriable, since reading again
 * gives the newer version, which has an event (and a record) of its own.
 */
export function objectChanged(cause?: unknown): BadInputError {
  return new BadInputError(
    'the upload was replaced after its event: the version the event names can no longer be read (the newer version has its own event)',
    InputErrorCode.objectChanged,
    undefined,
    cause,
  );
}

/** ETags compare without their quotes: S3 events carry them bare, HTTP headers quoted. */
export function bareEtag(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/**
 * Whether what a read found is the version it asked for. A side the server did not report is
 * not held against it (a server without versioning returns no version id); the ETag, which every
 * server returns, then decides.
 */
export function sameVersion(wanted: ObjectVersion | undefined, found: ObjectVersion): boolean {
  if (wanted?.versionId && found.versionId && wanted.versionId !== found.versionId) return false;
  if (wanted?.etag && found.etag && bareEtag(wanted.etag) !== bareEtag(found.etag)) return false;
  return true;
}

/** The metadata an upload carries to name its sidecar's version. */
export function sidecarReferenceMetadata(sidecar: ObjectVersion): Record<string, string> {
  return {
    ...(sidecar.versionId ? { [sidecarVersionIdName]: sidecar.versionId } : {}),
    ...(sidecar.etag ? { [sidecarEtagName]: sidecar.etag } : {}),
  };
}

/** The sidecar version an upload names; undefined for uploads stored without one (other uploaders). */
export function sidecarReference(metadata: Record<string, unknown>): ObjectVersion | undefined {
  const versionId = metadata[sidecarVersionIdName];
  const etag = metadata[sidecarEtagName];
  if (typeof versionId !== 'string' && typeof etag !== 'string') return undefined;
  return {
    versionId: typeof versionId === 'string' ? versionId : undefined,
    etag: typeof etag === 'string' ? etag : undefined,
  };
}

/** User metadata without the reference: it is bookkeeping, not clinical context. */
export function withoutSidecarReference(metadata: Record<string, string>): Record<string, string> {
  const { [sidecarVersionIdName]: _versionId, [sidecarEtagName]: _etag, ...rest } = metadata;
  return rest;
}
