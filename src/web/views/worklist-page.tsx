/**
 * `/`: the records newest first, filtered by status, assessment verdict and review state, searched
 * by record id, paged by an opaque cursor. Rows name records by id only: an object key may carry a
 * patient's name.
 */
import { labelDisplay, percent } from '../../outputs/reportable-record.js';
import type { RecordSummary, WorklistFilters, WorklistPageProps } from '../view-props.js';
import { Layout } from './layout.js';
import { TableHead } from './table-head.js';
import { formatTime } from './view-format.js';
import { viewPaths } from './view-paths.js';

const filterChoices = {
  status: ['succeeded', 'degraded', 'failed'],
  verdict: ['confident', 'uncertain', 'out-of-scope'],
  review: ['preliminary', 'final', 'rejected'],
} as const;

const filterLabels: Record<keyof typeof filterChoices, string> = {
  status: 'Status',
  verdict: 'Assessment',
  review: 'Review',
};

/** The link to the next page: the same filters, and the cursor the last page ended at. */
export function nextPageHref(filters: WorklistFilters, cursor: string): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (typeof value === 'string' && value !== '') query.set(name, value);
  }
  query.set('cursor', cursor);
  return `${viewPaths.worklist}?${query.toString()}`;
}

function FilterSelect(props: { name: keyof typeof filterChoices; selected: string | undefined }) {
  const id = `filter-${props.name}`;
  return (
    <label for={id}>
      {filterLabels[props.name]}
      <select id={id} name={props.name}>
        <option value="">any</option>
        {filterChoices[props.name].map((choice) => (
          <option value={choice} selected={choice === props.selected}>
            {choice}
          </option>
        ))}
      </select>
    </label>
  );
}

function RecordRow({ record }: { record: RecordSummary }) {
  const finding =
    record.verdict === 'out-of-scope'
      ? 'out of scope'
      : record.topLabel
        ? `${labelDisplay(record.topLabel.label)} ${percent(record.topLabel.probability)}`
        : (record.errorCode ?? 'no finding');
  return (
    <tr data-record-id={record.id}>
      <td data-label="Analysed">{formatTime(record.createdAt)}</td>
      <td data-label="Record">
        <a href={viewPaths.record(record.id)}>
          <code>{record.id}</code>
        </a>
      </td>
      <td data-label="Status">
        <span class={`badge badge-${record.status}`}>{record.status}</span>
      </td>
      <td data-label="Assessment">
        {record.verdict ? (
          <span class={`badge badge-${record.verdict}`}>{record.verdict}</span>
        ) : (
          <span class="muted">not assessed</span>
        )}
      </td>
      <td data-label="Finding">{finding}</td>
      <td data-label="Review">
        <span class={`badge badge-${record.reviewState}`}>{record.reviewState}</span>
      </td>
    </tr>
  );
}

export function WorklistPage(props: WorklistPageProps) {
  const { filters } = props;
  const filtered = Object.values(filters).some((value) => typeof value === 'string' && value !== '');
  return (
    <Layout title="Worklist" principal={props.principal} csrfToken={props.csrfToken}>
      <h1>Worklist</h1>
      <search class="card">
        <form class="filters" method="get" action={viewPaths.worklist}>
          <FilterSelect name="status" selected={filters.status} />
          <FilterSelect name="verdict" selected={filters.verdict} />
          <FilterSelect name="review" selected={filters.review} />
          <label for="filter-q">
            Record id
            <input id="filter-q" name="q" type="search" value={filters.q ?? ''} placeholder="rec_…" />
          </label>
          <button class="primary" type="submit">
            Filter
          </button>
          {filtered && <a href={viewPaths.worklist}>Clear</a>}
        </form>
      </search>
      {props.records.length === 0 ? (
        <p class="notice">
          {filtered ? 'No record matches these filters.' : 'No records yet.'}{' '}
          <a href={viewPaths.upload}>Upload an image</a>.
        </p>
      ) : (
        <table class="worklist">
          <TableHead columns={['Analysed', 'Record', 'Status', 'Assessment', 'Finding', 'Review']} />
          <tbody>
            {props.records.map((record) => (
              <RecordRow record={record} />
            ))}
          </tbody>
        </table>
      )}
      {props.nextCursor && (
        <p>
          <a rel="next" class="next-page" href={nextPageHref(filters, props.nextCursor)}>
            Next page
          </a>
        </p>
      )}
    </Layout>
  );
}
