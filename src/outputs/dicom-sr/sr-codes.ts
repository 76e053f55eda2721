/**
 * The coded concepts the SR uses: DICOM (DCM), SNOMED CT (SCT), UCUM and UMLS ones from PS3.16
 * where the standard has them, and DDx Assist's private scheme `99DDX` (declared in the Coding
 * Scheme Identification Sequence) for model labels, the assessment and the review state.
 */
import { labelDisplay } from '../reportable-record.js';
import { type Code, code } from './content-items.js';

export const privateScheme = {
  CodingSchemeDesignator: '99DDX',
  CodingSchemeName: 'DDx Assist model labels and result assessment',
  CodingSchemeResponsibleOrganization: 'DDx Assist project',
} as const;

const ddx = (value: string, meaning: string) => code(value, privateScheme.CodingSchemeDesignator, meaning);

export const SrCode = {
  imagingMeasurementReport: code('126000', 'DCM', 'Imaging Measurement Report'),
  language: code('121049', 'DCM', 'Language of Content Item and Descendants'),
  englishUs: code('en-US', 'RFC5646', 'English (United States)'),
  observerType: code('121005', 'DCM', 'Observer Type'),
  device: code('121007', 'DCM', 'Device'),
  deviceObserverUid: code('121012', 'DCM', 'Device Observer UID'),
  deviceObserverName: code('121013', 'DCM', 'Device Observer Name'),
  deviceObserverManufacturer: code('121014', 'DCM', 'Device Observer Manufacturer'),
  deviceObserverModelName: code('121015', 'DCM', 'Device Observer Model Name'),
  procedureReported: code('121058', 'DCM', 'Procedure reported'),
  imagingProcedure: code('363679005', 'SCT', 'Imaging procedure'),
  imageLibrary: code('111028', 'DCM', 'Image Library'),
  imageLibraryGroup: code('126200', 'DCM', 'Image Library Group'),
  imagingMeasurements: code('126010', 'DCM', 'Imaging Measurements'),
  qualitativeEvaluations: code('C0034375', 'UMLS', 'Qualitative Evaluations'),
  measurementGroup: code('125007', 'DCM', 'Measurement Group'),
  trackingIdentifier: code('112039', 'DCM', 'Tracking Identifier'),
  trackingUid: code('112040', 'DCM', 'Tracking Unique Identifier'),
  finding: code('121071', 'DCM', 'Finding'),
  lesion: code('52988006', 'SCT', 'Lesion'),
  imageRegion: code('111030', 'DCM', 'Image Region'),
  sourceImage: code('121324', 'DCM', 'Source Image'),
  algorithmName: code('111001', 'DCM', 'Algorithm Name'),
  algorithmVersion: code('111003', 'DCM', 'Algorithm Version'),
  percent: code('%', 'UCUM', 'percent'),
  // 99DDX
  mostLikelyFinding: ddx('top-finding', 'Most likely finding'),
  assessment: ddx('assessment', 'Assessment of the AI result'),
  assessmentReason: ddx('assessment-reason', 'Reason for the assessment'),
  reviewState: ddx('review-state', 'Clinician review state'),
  modelStatus: ddx('model-status', 'Model validation status'),
  disclaimer: ddx('disclaimer', 'Decision support disclaimer'),
  calibration: ddx('calibration', 'Probability calibration'),
} as const;

export function labelCode(label: string): Code {
  return ddx(label, labelDisplay(label));
}

/** The NUM concept for a label's probability: `p:<label>`, "Probability of <label>". */
export function probabilityCode(label: string): Code {
  return ddx(`p:${label}`, `Probability of ${labelDisplay(label).toLowerCase()}`);
}

export function stateCode(value: string): Code {
  return ddx(value, labelDisplay(value));
}
