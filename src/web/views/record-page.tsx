/**
 * `/records/:id`: one result as a clinician reads it. At the top how far it can be trusted; then
 * the image with what the detector found, the crop, the ranked labels, the recommendations and
 * codes, where it all came from, how long each step took, and the review with its audit trail.
 */
import type { ReportableRecord } from '../../outputs/reportable-record.js';
import type { RecordPageProps } from '../view-props.js';
import { Layout } from './layout.js';
import { AssessmentBanner } from './record/assessment-banner.js';
import { AuditTrail } from './record/audit-trail.js';
import { BillingSection } from './record/billing-section.js';
import { ClinicalContextFacts } from './record/clinical-context-facts.js';
import { DetectionOverlay } from './record/detection-overlay.js';
import { LabelBars } from './record/label-bars.js';
import { ProvenanceSection } from './record/provenance-section.js';
import { RecommendationSection } from './record/recommendation-section.js';
import { mayReview, ReviewPanel } from './record/review-panel.js';
import { StepTimeline } from './record/step-timeline.js';
import { formatTime } from './view-format.js';
import { viewPaths } from './view-paths.js';

/** Formats every browser shows in an <image>; DICOM and JPEG 2000 are not among them. */
const browserImageFormats = new Set(['jpeg', 'jpg', 'png', 'webp', 'gif']);

function ImageSection(props: { record: ReportableRecord; imageUrl: string; previewUrl: string }) {
  const image = props.record.image;
  if (!image) return <p class="muted">No image was decoded, so there is nothing to show.</p>;
  const shown = browserImageFormats.has(image.format.toLowerCase());
  const localization = props.record.localization;
  return (
    <>
      <figure>
        <DetectionOverlay
          width={image.width}
          height={image.height}
          imageUrl={shown ? props.imageUrl : props.previewUrl}
          localization={localization}
        />
        <figcaption class="muted">
          {image.width} × {image.height} px {image.format}.{' '}
          {!shown &&
            `A browser cannot show ${image.format}: shown as the pipeline decoded it${image.format === 'dicom' ? ' (windowed)' : ''}. `}
          {localization ? localization.note : 'This route has no detector: the whole image was classified.'}
        </figcaption>
      </figure>
      {localization?.roi?.mask && (
        <p class="muted">
          Lesion mask: {(localization.roi.mask.areaFraction * 100).toFixed(1)}% of the image, border
          irregularity {localization.roi.mask.borderIrregularity.toFixed(2)} (1 for a circle).
        </p>
      )}
      {localization && localization.detections.length > 0 && (
        <p class="muted">
          Thin cyan boxes: every detection with its confidence. Thick orange box: the region chosen for
          classification (ROI); dashed: the padded crop.
        </p>
      )}
    </>
  );
}

function FindingSection({ record }: { record: ReportableRecord }) {
  const classification = record.classification;
  if (record.assessment?.verdict === 'out-of-scope') {
    return <p>Not shown: the image is out of scope for the models, so their labels mean nothing here.</p>;
  }
  if (!classification || classification.labels.length === 0) return <p class="muted">No classification.</p>;
  // What kind of model made the finding, said beside it (a demo model says it is one).
  const notice = (classification as { modelNotice?: unknown }).modelNotice;
  return (
    <>
      {typeof notice === 'string' && notice !== '' && <p class="demo">{notice}</p>}
      <LabelBars classification={classification} />
    </>
  );
}

/** The outputs derived from the record on demand; each carries the review as it stands. */
function DocumentLinks({ record }: { record: ReportableRecord }) {
  return (
    <ul class="documents">
      <li>
        <a href={viewPaths.report(record.id)}>PDF report</a>
      </li>
      <li>
        <a href={viewPaths.fhir(record.id)}>FHIR R4 Bundle</a>
      </li>
      {record.dicom && (
        <li>
          <a href={viewPaths.dicomSr(record.id)}>DICOM SR</a>
        </li>
      )}
    </ul>
  );
}

export function RecordPage(props: RecordPageProps) {
  const { record } = props;
  const reviewState = props.review?.state ?? 'preliminary';
  return (
    <Layout title={`Record ${record.id}`} principal={props.principal} csrfToken={props.csrfToken}>
      <h1>
        Record <code>{record.id}</code>
      </h1>
      <p class="muted">
        <span class={`badge badge-${record.status}`}>{record.status}</span>{' '}
        <span class={`badge badge-${reviewState}`}>review: {reviewState}</span> Analysed{' '}
        {formatTime(record.createdAt)}
        {record.updatedAt !== record.createdAt && `, updated ${formatTime(record.updatedAt)}`}
      </p>
      <AssessmentBanner record={record} />
      {record.status === 'degraded' && (
        <p class="notice">Degraded: part of the analysis did not complete; what is missing is said below.</p>
      )}
      <div class="grid">
        <div>
          <section class="card" aria-labelledby="image-heading">
            <h2 id="image-heading">Image and detections</h2>
            <ImageSection record={record} imageUrl={props.imageUrl} previewUrl={props.previewUrl} />
          </section>
          {props.cropUrl && (
            <section class="card crop" aria-labelledby="crop-heading">
              <h2 id="crop-heading">The crop the classifier saw</h2>
              <a href={props.cropUrl} target="_blank" rel="noopener">
                <img src={props.cropUrl} alt="The cropped region of interest" />
              </a>
              <p>
                <a href={props.cropUrl} target="_blank" rel="noopener" class="open-crop">
                  Open the crop
                </a>
              </p>
            </section>
          )}
        </div>
        <div>
          <section class="card" aria-labelledby="finding-heading">
            <h2 id="finding-heading">Ranked labels</h2>
            <FindingSection record={record} />
          </section>
          <section class="card review" aria-labelledby="review-heading">
            <h2 id="review-heading">Review</h2>
            <ReviewPanel
              recordId={record.id}
              review={props.review}
              principal={props.principal}
              csrfToken={props.csrfToken}
              error={props.error}
            />
          </section>
          {record.context && (
            <section class="card" aria-labelledby="context-heading">
              <h2 id="context-heading">Clinical context</h2>
              <ClinicalContextFacts context={record.context} />
            </section>
          )}
        </div>
      </div>
      <section class="card" aria-labelledby="recommendation-heading">
        <h2 id="recommendation-heading">Recommendations</h2>
        {record.recommendation ? (
          <RecommendationSection recommendation={record.recommendation} />
        ) : (
          <p class="muted">No recommendations were made for this record.</p>
        )}
      </section>
      <section class="card" aria-labelledby="codes-heading">
        <h2 id="codes-heading">ICD-10-CM suggestions</h2>
        {record.billing ? (
          <BillingSection billing={record.billing} />
        ) : (
          <p class="muted">No codes were suggested for this record.</p>
        )}
      </section>
      <section class="card" aria-labelledby="documents-heading">
        <h2 id="documents-heading">Documents</h2>
        <DocumentLinks record={record} />
      </section>
      <section class="card" aria-labelledby="provenance-heading">
        <h2 id="provenance-heading">Models and prompt</h2>
        <ProvenanceSection record={record} />
      </section>
      <section class="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Step timeline</h2>
        <StepTimeline timings={record.timings} />
      </section>
      <section class="card" aria-labelledby="audit-heading">
        <h2 id="audit-heading">Audit trail</h2>
        {mayReview(props.principal) ? (
          <AuditTrail entries={props.audit} />
        ) : (
          <p class="muted">The audit trail is shown to reviewers and admins.</p>
        )}
      </section>
    </Layout>
  );
}
