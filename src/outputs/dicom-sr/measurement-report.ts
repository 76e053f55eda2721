/**
 * The content tree of the SR: TID 1500 "Imaging Measurement Report".
 *
 * ```
 * CONTAINER Imaging Measurement Report (TID 1500)
 *   HAS CONCEPT MOD  Language = en-US
 *   HAS OBS CONTEXT  Observer Type = Device, Device Observer UID / Name / Manufacturer / Model (TID 1002, 1004)
 *   HAS CONCEPT MOD  Procedure reported = Imaging procedure
 *   CONTAINS Image Library > Image Library Group > IMAGE (the analysed instance)
 *   CONTAINS Imaging Measurements
 *     Measurement Group (TID 1410 with a region, TID 1501 for the whole image)
 *       Tracking Identifier, Tracking UID, Finding = Lesion (with a region)
 *       Algorithm Name / Version (TID 4019): the detector that found the region, or the classifier
 *       SCOORD Image Region (POLYLINE) > SELECTED FROM IMAGE
 *       NUM Probability of <label> (%), one per label > Algorithm Name / Version of the classifier
 *       CODE Most likely finding = <label>
 *   CONTAINS Qualitative Evaluations
 *     CODE Assessment = confident | uncertain | out-of-scope (+ TEXT reasons), CODE Review state,
 *     TEXT Probability calibration, TEXT Model validation status, TEXT Decision support disclaimer
 * ```
 *
 * An out-of-scope or failed analysis reports no measurement: only the qualitative evaluations.
 */
import { decisionSupportDisclaimer, reportsFindings } from '../conclusion.js';
import { methodText } from '../fhir/finding-observation.js';
import { modelStatusText } from '../fhir/model-device.js';
import { type ReportableRecord, reviewStateOf, type StatedModel } from '../reportable-record.js';
import {
  type ContentItem,
  codeItem,
  container,
  type ImageReference,
  imageItem,
  numItem,
  scoordItem,
  textItem,
  uidItem,
} from './content-items.js';
import { labelCode, probabilityCode, SrCode, stateCode } from './sr-codes.js';

export interface ReportContext {
  image: ImageReference;
  deviceUid: string;
  trackingUid: string;
  softwareName: string;
}

function algorithm(model: StatedModel): ContentItem[] {
  return [
    textItem('HAS CONCEPT MOD', SrCode.algorithmName, model.id),
    textItem('HAS CONCEPT MOD', SrCode.algorithmVersion, model.version),
  ];
}

function measurementGroup(record: ReportableRecord, context: ReportContext): ContentItem | null {
  const classification = record.classification;
  if (!classification || !reportsFindings(record)) return null;
  const roi = record.localization?.roi ?? null;
  const children: ContentItem[] = [
    textItem('HAS OBS CONTEXT', SrCode.trackingIdentifier, roi ? 'lesion region 1' : 'whole image'),
    uidItem('HAS OBS CONTEXT', SrCode.trackingUid, context.trackingUid),
  ];
  if (roi && record.localization) {
    const { x, y, width, height } = roi.box;
    children.push(
      codeItem('CONTAINS', SrCode.finding, SrCode.lesion),
      ...algorithm(record.localization.detector),
      scoordItem(
        'CONTAINS',
        SrCode.imageRegion,
        'POLYLINE',
        [x, y, x + width, y, x + width, y + height, x, y + height, x, y],
        imageItem('SELECTED FROM', SrCode.sourceImage, context.image),
      ),
    );
  } else {
    children.push(...algorithm(classification.model));
  }
  for (const finding of classification.labels) {
    children.push(
      numItem(
        'CONTAINS',
        probabilityCode(finding.label),
        finding.probability * 100,
        SrCode.percent,
        roi ? algorithm(classification.model) : [],
      ),
    );
  }
  const [top] = classification.labels;
  if (top) children.push(codeItem('CONTAINS', SrCode.mostLikelyFinding, labelCode(top.label)));
  return container('CONTAINS', SrCode.measurementGroup, children, roi ? '1410' : '1501');
}

function qualitativeEvaluations(record: ReportableRecord): ContentItem {
  const items: ContentItem[] = [];
  const assessment = record.assessment;
  if (assessment) {
    items.push(codeItem('CONTAINS', SrCode.assessment, stateCode(assessment.verdict)));
    for (const reason of assessment.reasons) {
      items.push(textItem('CONTAINS', SrCode.assessmentReason, `${reason.code}: ${reason.message}`));
    }
  } else {
    items.push(
      textItem(
        'CONTAINS',
        SrCode.assessment,
        'not assessed: how far the result can be trusted was not judged',
      ),
    );
  }
  items.push(codeItem('CONTAINS', SrCode.reviewState, stateCode(reviewStateOf(record))));
  if (record.classification) {
    items.push(textItem('CONTAINS', SrCode.calibration, methodText(record.classification)));
  }
  const models = [record.localization?.detector, record.classification?.model].filter(
    (model): model is StatedModel => model !== undefined,
  );
  for (const model of models) {
    items.push(
      textItem('CONTAINS', SrCode.modelStatus, `${model.id} ${model.version}: ${modelStatusText(model)}`),
    );
  }
  items.push(textItem('CONTAINS', SrCode.disclaimer, decisionSupportDisclaimer));
  return container('CONTAINS', SrCode.qualitativeEvaluations, items);
}

export function measurementReport(record: ReportableRecord, context: ReportContext): ContentItem {
  const group = measurementGroup(record, context);
  return container(
    undefined,
    SrCode.imagingMeasurementReport,
    [
      codeItem('HAS CONCEPT MOD', SrCode.language, SrCode.englishUs),
      codeItem('HAS OBS CONTEXT', SrCode.observerType, SrCode.device),
      uidItem('HAS OBS CONTEXT', SrCode.deviceObserverUid, context.deviceUid),
      textItem('HAS OBS CONTEXT', SrCode.deviceObserverName, context.softwareName),
      textItem('HAS OBS CONTEXT', SrCode.deviceObserverManufacturer, 'DDx Assist project'),
      textItem('HAS OBS CONTEXT', SrCode.deviceObserverModelName, context.softwareName),
      codeItem('HAS CONCEPT MOD', SrCode.procedureReported, SrCode.imagingProcedure),
      container('CONTAINS', SrCode.imageLibrary, [
        container('CONTAINS', SrCode.imageLibraryGroup, [
          imageItem('CONTAINS', SrCode.sourceImage, context.image),
        ]),
      ]),
      ...(group ? [container('CONTAINS', SrCode.imagingMeasurements, [group])] : []),
      qualitativeEvaluations(record),
    ],
    '1500',
  );
}
