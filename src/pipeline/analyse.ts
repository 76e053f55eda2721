/**
 * Steps 3 to 6 for a claimed record, as one plain sequence: route, the image (fetched since step
 * 1), localize, classify, recommend and billing. It answers the record's findings, its status and
 * its error: a failing step leaves the findings made before it, and the error names that step.
 */
import { mergeDicomContext } from '../clinical/merge-dicom-context.js';
import { needsPredictedExtent } from '../clinical/routing-table.js';
import type { PatientIdentifiers } from '../domain.js';
import { asDdxError, type DdxError, PipelineStep } from '../errors.js';
import { type InferenceRecord, RecordStatus, Verdict } from '../record.js';
import { assessStep } from './assess.js';
import { classifyRegion } from './classify.js';
import type { FetchedImage } from './fetch-image.js';
import { type LoadedContext, recordedContext } from './load-context.js';
import { regionToClassify } from './localize.js';
import { startImageMeasures } from './measure-image.js';
import type { JobContext, PipelineDeps } from './pipeline-deps.js';
import { predictExtent } from './predict-extent.js';
import { recommendFromFindings } from './recommend.js';
import { withCodesInTable } from './recommendation-codes.js';
import { chooseRoute, reroute } from './route.js';
import { suggestBilling } from './suggest-billing.js';
import { systemStatements } from './system-statements.js';

/** What the steps find out: the record's own fields (identity, status and times are the session's). */
export type Findings = Pick<
  InferenceRecord,
  | 'inputSha256'
  | 'image'
  | 'dicom'
  | 'context'
  | 'route'
  | 'localization'
  | 'classification'
  | 'assessment'
  | 'recommendation'
  | 'billing'
>;

export interface Analysis {
  findings: Findings;
  /** Stored apart from the record; DICOM tags may have added to what the metadata gave. */
  patient: PatientIdentifiers | undefined;
  status: RecordStatus;
  error: DdxError | null;
}

/** The context and notes de-identified for the record and the recommender, timed as work of its own. */
function deidentifyStep(subject: Parameters<typeof recordedContext>[0], job: JobContext) {
  return job.timer.measure('load-context.deidentify', () => recordedContext(subject));
}

export async function analyse(
  loaded: LoadedContext,
  imageFetch: Promise<FetchedImage>,
  deps: PipelineDeps,
  job: JobContext,
): Promise<Analysis> {
  const findings = noFindings();
  let subject = { context: loaded.context, patient: loaded.patient };
  // The notes are scrubbed beside the image fetch and the model calls, awaited where needed: on a
  // cold start the scrubber's first use is hundreds of milliseconds of pattern compiling.
  let recorded = deidentifyStep(subject, job);
  recorded.catch(() => undefined);
  const ended = async (status: RecordStatus, error: DdxError | null): Promise<Analysis> => {
    findings.context = (await recorded).context;
    return { findings, patient: subject.patient, status, error };
  };
  try {
    // 3 route; its prompt downloads meanwhile
    let route = await chooseRoute(subject.context, deps, job);
    findings.route = route.decision;
    // 2 fetch image (started beside step 1): DICOM tags fill what the metadata left out and may
    // change the route
    const image = await imageFetch;
    const imageMeasures = startImageMeasures(image.image, job);
    if (image.dicom) {
      subject = mergeDicomContext(subject, image.dicom);
      // The scrub of the metadata's identifiers alone is superseded (it finishes unread).
      recorded = deidentifyStep(subject, job);
      recorded.catch(() => undefined);
      route = reroute(route, subject.context, deps, job);
      findings.route = route.decision;
    }
    // No extent given: the image decides (an extent model, or the rule on the detector's output).
    if (needsPredictedExtent(deps.routingTable, subject.context)) {
      const predicted = await predictExtent(image.image, deps.routingTable, deps, job);
      route = reroute(route, subject.context, deps, job, predicted);
      findings.route = route.decision;
    }
    findings.inputSha256 = image.sha256;
    findings.image = {
      format: image.format,
      width: image.original.width,
      height: image.original.height,
      bytes: image.bytes,
    };
    findings.dicom = image.dicom?.instance ?? null;
    // 4 localize (routes with a detector)
    const region = await regionToClassify(image.image, route.decision, deps, job, image);
    findings.localization = region.localization;
    // 5 classify
    const classified = await classifyRegion(region, route.decision, deps, job);
    const { classification, card } = classified;
    findings.classification = classification;
    // 5a assess: image quality, in scope, out of distribution, calibrated confidence
    const dicomHeader = image.dicom
      ? { modality: image.dicom.modality, bodyPartExamined: image.dicom.context.bodySite }
      : null;
    const assessment = await assessStep(
      {
        measures: await imageMeasures,
        region,
        classified,
        dicom: dicomHeader,
        route: route.decision,
        imageType: subject.context.imageType,
      },
      deps.assessment,
      job,
    );
    findings.assessment = assessment;
    // Out of scope: no differentials are asked for and no code is suggested; the assessment's
    // reasons and action are the answer.
    if (assessment.verdict === Verdict.outOfScope) return await ended(RecordStatus.succeeded, null);
    // 6 recommend, then billing from the findings and every recommendation, once
    const recommended = await recommendFromFindings(
      {
        classification,
        lesionFound: region.localization ? region.input === 'crop' : null,
        context: subject.context,
        notes: (await recorded).notes?.text ?? null,
        prompt: route.prompt,
        systemStatements: systemStatements(assessment, classification),
      },
      deps,
      job,
    );
    findings.recommendation = recommended.recommendation;
    findings.billing = suggestBilling({
      classification,
      card,
      assessment,
      // A route without a detector reads a pattern over the whole image: a rash.
      extent: route.decision.detector === null ? 'widespread' : 'localized',
      recommendations: recommended.forBilling,
      codeTable: deps.codeTable,
      cptMapping: deps.cptMapping,
    });
    if (findings.recommendation) {
      findings.recommendation = withCodesInTable(findings.recommendation, deps.codeTable);
    }
    // An LLM that failed leaves the clinician the findings and the knowledge base's answer.
    return await ended(
      recommended.failure ? RecordStatus.degraded : RecordStatus.succeeded,
      recommended.failure,
    );
  } catch (error) {
    // Every step above runs inside `job.step`, so the error already names its step.
    return await ended(RecordStatus.failed, asDdxError(error, PipelineStep.route));
  }
}

/** A failure before the analysis could start (step 1): nothing found. */
export function failedBeforeAnalysis(error: unknown, step: PipelineStep): Analysis {
  return {
    findings: noFindings(),
    patient: undefined,
    status: RecordStatus.failed,
    error: asDdxError(error, step),
  };
}

/** In the record's field order. */
function noFindings(): Findings {
  return {
    inputSha256: null,
    image: null,
    dicom: null,
    context: null,
    route: null,
    localization: null,
    classification: null,
    assessment: null,
    recommendation: null,
    billing: null,
  };
}
