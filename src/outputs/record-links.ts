/**
 * The links every output and event gives for a record. They are built from the record id only:
 * an object key may carry a patient's name, so it never appears in a link.
 *
 * @example
 * const links = recordLinks('rec_c268...', { apiBaseUrl: 'https://ddx.example.org' });
 * // links.fhir === 'https://ddx.example.org/v1/records/rec_c268.../fhir'
 */
export interface LinkSettings {
  /** Where the DDx Assist API is served, without a trailing slash: `https://ddx.example.org`. */
  apiBaseUrl: string;
  /** Where model cards are published; by default `<apiBaseUrl>/v1/models`. */
  modelCardBaseUrl?: string;
}

export interface RecordLinks {
  record: string;
  fhir: string;
  dicomSr: string;
  pdf: string;
  image: string;
  crop: string;
}

function trimmed(url: string): string {
  return url.replace(/\/+$/, '');
}

export function recordLinks(recordId: string, settings: LinkSettings): RecordLinks {
  const record = `${trimmed(settings.apiBaseUrl)}/v1/records/${encodeURIComponent(recordId)}`;
  return {
    record,
    fhir: `${record}/fhir`,
    dicomSr: `${record}/dicom-sr`,
    pdf: `${record}/report.pdf`,
    image: `${record}/image`,
    crop: `${record}/crop`,
  };
}

export function modelCardLink(modelId: string, settings: LinkSettings): string {
  const base = settings.modelCardBaseUrl ?? `${trimmed(settings.apiBaseUrl)}/v1/models`;
  return `${trimmed(base)}/${encodeURIComponent(modelId)}/card`;
}
