/**
 * The metadata sidecar convention shared by every BlobStore: an upload's clinical metadata may
 * travel as a JSON object stored beside it under `<key>.meta.json` (the only metadata a local
 * folder has; on S3 an optional addition to `x-amz-meta-*`, for values too long or not ASCII).
 */
import { BadInputError, InputErrorCode } from '../../errors.js';

export const metadataSidecarSuffix = '.meta.json';

export function metadataSidecarKey(key: string): string {
  return `${key}${metadataSidecarSuffix}`;
}

export function isMetadataSidecar(key: string): boolean {
  return key.endsWith(metadataSidecarSuffix);
}

/** The sidecar's metadata object; anything but a JSON object is invalid metadata, named as such. */
export function parseMetadataSidecar(bytes: Uint8Array | string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new BadInputError('the metadata sidecar is not valid JSON', InputErrorCode.invalidMetadata);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadInputError('the metadata sidecar must be a JSON object', InputErrorCode.invalidMetadata);
  }
  return parsed as Record<string, unknown>;
}
