/**
 * The review: what a clinician decided so far (a record nobody reviewed is preliminary), and for
 * reviewers the form to accept, amend (another diagnosis, codes) or reject, with a comment. The AI
 * output above stays as it was; a review is stored beside it.
 */
import type { Principal, RecordPageProps } from '../../view-props.js';
import { FactList } from '../fact-list.js';
import { formatTime } from '../view-format.js';
import { csrfFieldName, viewPaths } from '../view-paths.js';

type Review = NonNullable<RecordPageProps['review']>;

export interface ReviewPanelProps {
  recordId: string;
  review: Review | null;
  principal: Principal;
  csrfToken: string;
  /** What was wrong with the last review form. */
  error?: string | undefined;
}

function CurrentReview({ review }: { review: Review | null }) {
  if (!review || review.state === 'preliminary') {
    return (
      <p data-review-state="preliminary">
        <span class="badge badge-preliminary">preliminary</span> No clinician has reviewed this AI result yet.
      </p>
    );
  }
  return (
    <div data-review-state={review.state}>
      <p>
        <span class={`badge badge-${review.state}`}>{review.state}</span>{' '}
        {review.state === 'final' ? 'Signed off' : 'Rejected'} by {review.reviewer} on {formatTime(review.at)}
      </p>
      <FactList
        facts={[
          review.diagnosis ? ['Diagnosis', review.diagnosis] : null,
          review.codes && review.codes.length > 0 && ['Codes', review.codes.join(', ')],
          review.comment ? ['Comment', <span class="review-comment">{review.comment}</span>] : null,
        ]}
      />
    </div>
  );
}

/** Reviewers and admins decide on results and read the audit trail; uploaders read results. */
export function mayReview(principal: Principal): boolean {
  return principal.role === 'reviewer' || principal.role === 'admin';
}

export function ReviewPanel(props: ReviewPanelProps) {
  return (
    <>
      <CurrentReview review={props.review} />
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      {mayReview(props.principal) ? (
        <form class="stack review-form" method="post" action={viewPaths.review(props.recordId)}>
          <h3>
            {props.review && props.review.state !== 'preliminary'
              ? 'Change the review'
              : 'Review this result'}
          </h3>
          <input type="hidden" name={csrfFieldName} value={props.csrfToken} />
          <fieldset class="choices">
            <legend>Decision</legend>
            <label>
              <input type="radio" name="decision" value="accept" required /> Accept
            </label>
            <label>
              <input type="radio" name="decision" value="amend" /> Amend
            </label>
            <label>
              <input type="radio" name="decision" value="reject" /> Reject
            </label>
          </fieldset>
          <div>
            <label for="review-diagnosis">Diagnosis (when amending)</label>
            <input id="review-diagnosis" name="diagnosis" type="text" maxlength={500} />
          </div>
          <div>
            <label for="review-codes">ICD-10-CM codes (when amending; comma or space separated)</label>
            <input id="review-codes" name="codes" type="text" maxlength={500} placeholder="C43.59, D22.5" />
          </div>
          <div>
            <label for="review-comment">Comment</label>
            <textarea id="review-comment" name="comment" rows={3} maxlength={4000} />
          </div>
          <button class="primary" type="submit">
            Save review
          </button>
        </form>
      ) : (
        <p class="muted">Your role ({props.principal.role}) may read this result but not review it.</p>
      )}
    </>
  );
}
