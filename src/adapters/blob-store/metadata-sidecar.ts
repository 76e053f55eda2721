/**
 * The metadata sidecar convention shared by every BlobStore: an upload's clinical metadata may
 * travel as a JSON object stored beside it under `<key>.meta.json` (the only metadata a local
 * folder has; on S3 an optional addition to `x-amz-meta-*`, for values too long or not ASCII).
 */
export const metadataSidecarSuffix = '.meta.json';

export function metadataSidecarKey(key: string): string {
  return `${key}${metadataSidecarSuffix}`;
}

export function isMetadataSidecar(key: string): boolean {
  return key.endsWith(metadataSidecarSuffix);
}
