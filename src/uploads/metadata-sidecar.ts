/**
 * The metadata sidecar convention: an upload's clinical metadata may travel as a JSON object
 * stored beside it under `<key>.meta.json` (the only metadata a local folder has; on S3 an optional
 * addition to `x-amz-meta-*`, for values too long or not ASCII). Every BlobStore reads it, the CLI
 * and the server write it (store-upload.ts), and the triggers never treat it as an upload.
 */
import { BadInputError, InputErrorCode } from '../errors.js';

export const metadataSidecarSuffix = '.meta.json';

export function metadataSidecarKey(key: string): string {
  return `${key}${metadataSidecarSuffix}`;
}

export function isMetadataSidecar(key: string): boolean {
  return key.endsWith(metadataSidecarSuffix);
}

/**
 * Clinical metadata is a few hundred bytes: a larger sidecar is a mistake (an embedded thumbnail)
 * or an attack, refused by every store before it is read whole.
 */
export const maxMetadataSidecarBytes = 256 * 1024;

export function metadataSidecarTooLarge(): BadInputError {
  return new BadInputError(
    `the metadata sidecar is over ${maxMetadataSidecarBytes} bytes`,
    InputErrorCode.invalidMetadata,
  );
}

const utf8ByteOrderMark = [0xef, 0xbb, 0xbf];

/** The sidecar's metadata object; anything but a JSON object is invalid metadata, named as such. */
export function parseMetadataSidecar(bytes: Uint8Array | string): Record<string, unknown> {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  if (buffer.length > maxMetadataSidecarBytes) throw metadataSidecarTooLarge();
  // Windows editors write a byte-order mark: harmless in UTF-8, so skipped, but UTF-16 ("Unicode"
  // in Notepad) is named, since "not valid JSON" would send the clinic looking for a typo.
  if ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff)) {
    throw new BadInputError(
      'the metadata sidecar is UTF-16 text: save it as UTF-8 JSON',
      InputErrorCode.invalidMetadata,
    );
  }
  const start = utf8ByteOrderMark.every((byte, index) => buffer[index] === byte)
    ? utf8ByteOrderMark.length
    : 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(buffer.toString('utf8', start));
  } catch {
    throw new BadInputError('the metadata sidecar is not valid JSON', InputErrorCode.invalidMetadata);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadInputError('the metadata sidecar must be a JSON object', InputErrorCode.invalidMetadata);
  }
  return parsed as Record<string, unknown>;
}
