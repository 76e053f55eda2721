/**
 * The paths the pages link and post to (the HTML routes of src/web/ serve them; see
 * /work/coord/web-views-contract.md). Built from record ids only: an object key may carry a
 * patient's name.
 */
export const viewPaths = {
  worklist: '/',
  signIn: '/sign-in',
  signOut: '/sign-out',
  upload: '/upload',
  record: (id: string) => `/records/${encodeURIComponent(id)}`,
  review: (id: string) => `/records/${encodeURIComponent(id)}/review`,
  /** The documents derived from a record (docs/http-api.md), served to a signed-in user. */
  report: (id: string) => `/v1/records/${encodeURIComponent(id)}/report.pdf`,
  fhir: (id: string) => `/v1/records/${encodeURIComponent(id)}/fhir`,
  dicomSr: (id: string) => `/v1/records/${encodeURIComponent(id)}/dicom-sr`,
} as const;

/** The hidden field every form carries its CSRF token in (double-submit, checked by the server). */
export const csrfFieldName = 'csrf';
