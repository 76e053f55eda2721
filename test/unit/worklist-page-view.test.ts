import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordSummary, WorklistPageProps } from '../../src/web/view-props.js';
import { nextPageHref, WorklistPage } from '../../src/web/views/worklist-page.js';
import { hostile, html, reviewer } from '../support/view-props.js';

const rows: RecordSummary[] = [
  {
    id: 'rec_newest',
    status: 'succeeded',
    createdAt: '2026-11-29T09:30:00.000Z',
    topLabel: { label: 'melanocytic-nevus', probability: 0.64 },
    verdict: 'confident',
    reviewState: 'final',
    errorCode: null,
  },
  {
    id: 'rec_older',
    status: 'failed',
    createdAt: '2026-11-28T10:00:00.000Z',
    topLabel: null,
    verdict: null,
    reviewState: 'preliminary',
    errorCode: 'CORRUPT_IMAGE',
  },
  {
    id: 'rec_oldest',
    status: 'succeeded',
    createdAt: '2026-11-27T10:00:00.000Z',
    topLabel: { label: 'psoriasis', probability: 0.5 },
    verdict: 'out-of-scope',
    reviewState: 'rejected',
    errorCode: null,
  },
];

function props(overrides: Partial<WorklistPageProps> = {}): WorklistPageProps {
  return {
    records: rows,
    filters: {},
    nextCursor: null,
    principal: reviewer,
    csrfToken: 'csrf-1',
    ...overrides,
  };
}

describe('worklist page view', () => {
  it('lists the records in the order given (newest first), each linking to its page', async () => {
    const page = await html(WorklistPage(props()));
    const ids = [...page.matchAll(/<tr data-record-id="([^"]+)">/g)].map((match) => match[1]);
    assert.deepEqual(ids, ['rec_newest', 'rec_older', 'rec_oldest']);
    assert.match(page, /<a href="\/records\/rec_newest"><code>rec_newest<\/code><\/a>/);
    assert.match(page, /<td data-label="Finding">Melanocytic nevus 64%<\/td>/);
    assert.match(page, /<td data-label="Finding">CORRUPT_IMAGE<\/td>/);
    assert.match(
      page,
      /<td data-label="Finding">out of scope<\/td>/,
      'an out-of-scope label is not reported',
    );
    assert.match(page, /<span class="muted">not assessed<\/span>/);
    assert.match(page, /<span class="badge badge-rejected">rejected<\/span>/);
  });

  it('offers the status, verdict and review filters and the id search, keeping the chosen ones', async () => {
    const filters = {
      status: 'succeeded',
      verdict: 'uncertain',
      review: 'preliminary',
      q: 'rec_ab',
    } as const;
    const page = await html(WorklistPage(props({ filters })));
    assert.match(page, /<form class="filters" method="get" action="\/">/);
    assert.match(page, /<option value="succeeded" selected="">succeeded<\/option>/);
    assert.match(page, /<option value="uncertain" selected="">uncertain<\/option>/);
    assert.match(page, /<option value="preliminary" selected="">preliminary<\/option>/);
    assert.match(page, /<option value="out-of-scope">out-of-scope<\/option>/);
    assert.match(page, /<input id="filter-q" name="q" type="search" value="rec_ab"/);
    assert.match(page, /<a href="\/">Clear<\/a>/);
  });

  it('links the next page by cursor with the same filters, and only when there is one', async () => {
    assert.equal(
      nextPageHref({ status: 'failed', q: 'rec_a b' }, 'eyJrIjoiMSJ9+/='),
      '/?status=failed&q=rec_a+b&cursor=eyJrIjoiMSJ9%2B%2F%3D',
    );
    const page = await html(WorklistPage(props({ filters: { review: 'final' }, nextCursor: 'c2' })));
    assert.match(
      page,
      /<a rel="next" class="next-page" href="\/\?review=final&amp;cursor=c2">Next page<\/a>/,
    );
    assert.doesNotMatch(await html(WorklistPage(props())), /Next page/);
  });

  it('says when nothing matches, and escapes what the visitor typed', async () => {
    const page = await html(WorklistPage(props({ records: [], filters: { q: hostile } })));
    assert.match(page, /No record matches these filters/);
    assert.doesNotMatch(page, /<script>alert/);
    assert.match(page, /value="&lt;script&gt;alert\(&quot;x&quot;\)/);
    assert.match(await html(WorklistPage(props({ records: [] }))), /No records yet/);
  });

  it('carries the sign-out form with the CSRF token in the layout', async () => {
    const page = await html(WorklistPage(props()));
    assert.match(page, /^<!doctype html><html lang="en">/);
    assert.match(page, /<meta name="viewport" content="width=device-width, initial-scale=1"\/>/);
    assert.match(
      page,
      /<form method="post" action="\/sign-out"><input type="hidden" name="csrf" value="csrf-1"\/>/,
    );
    assert.match(page, /token:dr-reviewer \(reviewer\)/);
    assert.match(page, /@media \(max-width:700px\)/, 'the phone layout');
  });
});
