/** Props for the page views, built the way the HTML routes build them, from realistic records. */
import type { ReportableRecord } from '../../src/outputs/reportable-record.js';
import type { Principal, RecordPageProps } from '../../src/web/view-props.js';

export const reviewer: Principal = { id: 'token:dr-reviewer', role: 'reviewer' };
export const uploader: Principal = { id: 'token:front-desk', role: 'uploader' };

export const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';

export function recordPageProps(
  record: ReportableRecord,
  overrides: Partial<RecordPageProps> = {},
): RecordPageProps {
  return {
    record,
    review: (record.review as RecordPageProps['review']) ?? null,
    principal: reviewer,
    csrfToken: 'csrf-token-123',
    audit: [],
    imageUrl: `/v1/records/${record.id}/image`,
    previewUrl: `/v1/records/${record.id}/preview.jpg`,
    cropUrl: record.localization?.cropKey ? `/v1/records/${record.id}/crop` : null,
    ...overrides,
  };
}

/** Renders a page (a function of props returning JSX) to its HTML text. */
export async function html(element: { toString(): string | Promise<string> }): Promise<string> {
  return await element.toString();
}
