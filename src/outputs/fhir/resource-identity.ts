/**
 * Stable identities for the resources of one record's bundle: the same record always gives the
 * same ids and full URLs, so a bundle exported twice, or pushed twice as a transaction, names the
 * same resources (a push updates instead of duplicating).
 */
import { createHash } from 'node:crypto';
import type { Reference, Resource } from '@medplum/fhirtypes';

export interface ResourceIdentity {
  /** A FHIR id (`[A-Za-z0-9\-.]{1,64}`): `rec-<hash>-<part>`. */
  id: string;
  /** `urn:uuid:<uuid>`: how the bundle's entries reference each other. */
  fullUrl: string;
}

export function resourceIdentity(recordId: string, part: string): ResourceIdentity {
  const id = `${recordId.replace(/[^A-Za-z0-9.-]/g, '-')}-${part}`.slice(0, 64);
  const digest = createHash('sha256').update(`${recordId}\n${part}`).digest('hex');
  // An RFC 4122 layout (version 5 style, variant 10xx) over the digest: a valid UUID, stable per part.
  const variant = ((Number.parseInt(digest.charAt(16), 16) & 0x3) | 0x8).toString(16);
  const uuid = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-5${digest.slice(13, 16)}-${variant}${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
  return { id, fullUrl: `urn:uuid:${uuid}` };
}

/** A bundle entry's resource with its identity. */
export interface IdentifiedResource<T extends Resource = Resource> {
  identity: ResourceIdentity;
  resource: T;
}

export function referenceTo<T extends Resource>(
  entry: IdentifiedResource<T>,
  display?: string,
): Reference<T> {
  return display === undefined
    ? { reference: entry.identity.fullUrl }
    : { reference: entry.identity.fullUrl, display };
}
