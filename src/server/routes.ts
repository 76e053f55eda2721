/**
 * The routes of the HTTP API. Logs name the pattern (`/v1/records/:id`), never the raw path.
 */

export const RouteName = {
  health: 'health',
  upload: 'upload',
  job: 'job',
  listRecords: 'list-records',
  getRecord: 'get-record',
  recordFhir: 'record-fhir',
  recordDicomSr: 'record-dicom-sr',
  recordReport: 'record-report',
  recordImage: 'record-image',
  recordCrop: 'record-crop',
} as const;
export type RouteName = (typeof RouteName)[keyof typeof RouteName];

interface Route {
  name: RouteName;
  method: 'GET' | 'POST';
  pattern: string;
}

const routes: readonly Route[] = [
  { name: RouteName.health, method: 'GET', pattern: '/healthz' },
  { name: RouteName.upload, method: 'POST', pattern: '/v1/uploads' },
  { name: RouteName.job, method: 'POST', pattern: '/v1/jobs' },
  { name: RouteName.listRecords, method: 'GET', pattern: '/v1/records' },
  { name: RouteName.getRecord, method: 'GET', pattern: '/v1/records/:id' },
  { name: RouteName.recordFhir, method: 'GET', pattern: '/v1/records/:id/fhir' },
  { name: RouteName.recordDicomSr, method: 'GET', pattern: '/v1/records/:id/dicom-sr' },
  { name: RouteName.recordReport, method: 'GET', pattern: '/v1/records/:id/report.pdf' },
  { name: RouteName.recordImage, method: 'GET', pattern: '/v1/records/:id/image' },
  { name: RouteName.recordCrop, method: 'GET', pattern: '/v1/records/:id/crop' },
];

export type RouteMatch =
  | { kind: 'matched'; name: RouteName; pattern: string; params: Record<string, string> }
  | { kind: 'method-not-allowed'; pattern: string; allow: string }
  | { kind: 'not-found' };

export function matchRoute(method: string, pathname: string): RouteMatch {
  const segments = pathname.split('/').slice(1);
  const found = routes.flatMap((route) => {
    const params = paramsOf(route.pattern, segments);
    return params ? [{ route, params }] : [];
  });
  const first = found[0];
  if (!first) return { kind: 'not-found' };
  // HEAD is GET without a body: node:http leaves the body out by itself.
  const wanted = method === 'HEAD' ? 'GET' : method;
  const hit = found.find(({ route }) => route.method === wanted);
  if (!hit) {
    const methods = found.map(({ route }) => route.method);
    const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', ');
    return { kind: 'method-not-allowed', pattern: first.route.pattern, allow };
  }
  return { kind: 'matched', name: hit.route.name, pattern: hit.route.pattern, params: hit.params };
}

/** The `:name` segments of a pattern, or undefined when the path does not fit it. */
function paramsOf(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = pattern.split('/').slice(1);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith(':')) {
      if (segment === '') return undefined;
      params[part.slice(1)] = segment;
    } else if (part !== segment) return undefined;
  }
  return params;
}
