/**
 * Which object keys are uploads to analyse: under the input prefix, never the service's own
 * derived output (crops, overflow records) and never a metadata sidecar. One rule for every way
 * in: S3 and EventBridge events (triggers/s3-event.ts), HTTP requests (server/object-key.ts), and
 * the keys the CLI and the server upload under (`uploadKeyFor`).
 */
import { basename } from 'node:path';
import { isMetadataSidecar } from './metadata-sidecar.js';

export interface KeyScope {
  inputPrefix: string;
  derivedPrefix: string;
}

export const OutOfScope = {
  derivedPrefix: 'derived-prefix',
  outsideInputPrefix: 'outside-input-prefix',
  metadataSidecar: 'metadata-sidecar',
} as const;
export type OutOfScope = (typeof OutOfScope)[keyof typeof OutOfScope];

/**
 * Why a key is not an upload to analyse, or undefined when it is one. The derived prefix is
 * checked first: our own crops must never trigger us, wherever they live.
 */
export function outOfScopeReason(key: string, scope: KeyScope): OutOfScope | undefined {
  if (scope.derivedPrefix !== '' && key.startsWith(scope.derivedPrefix)) return OutOfScope.derivedPrefix;
  if (!key.startsWith(scope.inputPrefix)) return OutOfScope.outsideInputPrefix;
  if (isMetadataSidecar(key)) return OutOfScope.metadataSidecar;
  return undefined;
}

/** The key an upload is stored under: its relative path (folders kept) under the input prefix. */
export function uploadKeyFor(inputPrefix: string, relativePath: string): string {
  return `${inputPrefix}${relativePath.split(/[\\/]/).filter(Boolean).join('/') || basename(relativePath)}`;
}
