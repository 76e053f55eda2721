/**
 * The object keys an HTTP caller may name: uploads under the input prefix, never the service's own
 * derived output (crops) or a metadata sidecar, and no key a folder-backed store could resolve
 * outside its root. Messages never repeat the key: it may carry a patient's name.
 */
import { type KeyScope, OutOfScope, outOfScopeReason } from '../uploads/key-scope.js';
import { HttpError, RequestErrorCode } from './http-error.js';

/** S3's limit on a key, in UTF-8 bytes. */
const maxKeyBytes = 1024;

export function checkedObjectKey(key: string, scope: KeyScope): string {
  const refuse = (why: string) => new HttpError(400, RequestErrorCode.invalidRequest, `the key ${why}`);
  if (key === '' || Buffer.byteLength(key) > maxKeyBytes) {
    throw refuse(`must be 1 to ${maxKeyBytes} bytes long`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(key)) throw refuse('must not contain control characters or backslashes');
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw refuse('must not have empty, "." or ".." segments');
  }
  switch (outOfScopeReason(key, scope)) {
    case OutOfScope.derivedPrefix:
      throw refuse(`must not be under ${scope.derivedPrefix}, where the service writes its own output`);
    case OutOfScope.outsideInputPrefix:
      throw refuse(`must start with ${scope.inputPrefix}`);
    case OutOfScope.metadataSidecar:
      throw refuse('names a metadata sidecar, not an image');
    case undefined:
      return key;
  }
}
