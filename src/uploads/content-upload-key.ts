/**
 * The key a local file is uploaded under by the CLI: `<input prefix>cli/<digest>/<name>`, where
 * the digest covers the image AND its metadata. The record id is derived from the key (record.ts),
 * so:
 * - a changed sidecar is a new upload with a new record: fixing broken metadata and running again
 *   analyses again, instead of answering with the stored failure;
 * - the same file name in two folders never overwrites the other's upload;
 * - the same image with the same metadata is the same upload, answered from its stored record.
 */
import { createHash } from 'node:crypto';
import { uploadKeyFor } from './key-scope.js';

/** Hex digits of the digest kept in the key: 64 bits, no collision in any one store's lifetime. */
const digestLength = 16;

export function contentUploadKey(
  inputPrefix: string,
  relativePath: string,
  content: { image: Uint8Array; metadata: Uint8Array },
): string {
  // Each part hashed on its own, so no image/metadata split of the same bytes shares a digest.
  const digest = createHash('sha256')
    .update(createHash('sha256').update(content.image).digest())
    .update(createHash('sha256').update(content.metadata).digest())
    .digest('hex')
    .slice(0, digestLength);
  return uploadKeyFor(inputPrefix, `cli/${digest}/${relativePath}`);
}
