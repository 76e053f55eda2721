import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import dcmjs from 'dcmjs';
import { packageRoot } from '../../src/config.js';
import { decodeImage } from '../../src/imaging/decode-image.js';
import { dicomInstanceReference } from '../../src/imaging/dicom/dicom-instance.js';
import { parsePart10 } from '../../src/imaging/dicom/parse-part10.js';
import { DicomSrNotApplicableError, dicomSr } from '../../src/outputs/dicom-sr.js';
import type { ReportableRecord } from '../../src/outputs/reportable-record.js';
import { runTool, skipWithout } from '../support/external-tools.js';
import {
  everyRecordShape,
  failedRecord,
  localizedFinalRecord,
  outOfScopeRecord,
  wholeImageUncertainRecord,
} from '../support/reportable-records.js';

const source = {
  sopClassUid: '1.2.840.10008.5.1.4.1.1.77.1.4',
  sopInstanceUid: '1.2.826.0.1.3680043.8.498.1001',
  studyInstanceUid: '1.2.826.0.1.3680043.8.498.1',
  seriesInstanceUid: '1.2.826.0.1.3680043.8.498.10',
  frames: 1,
};

function asDicom(record: ReportableRecord): ReportableRecord {
  return { ...record, image: { format: 'dicom', width: 720, height: 540, bytes: 420_000 } };
}

type Naturalized = Record<string, unknown> & { ContentSequence?: Naturalized[] };

function readBack(bytes: Uint8Array): Naturalized {
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const file = dcmjs.data.DicomMessage.readFile(copy);
  return (
    dcmjs.data.DicomMetaDictionary as unknown as { naturalizeDataset(d: unknown): Naturalized }
  ).naturalizeDataset(file.dict);
}

/** Every content item of the tree, depth first. */
function items(node: Naturalized): Naturalized[] {
  return (node.ContentSequence ?? []).flatMap((child) => [child, ...items(child)]);
}

const meaning = (item: Naturalized) =>
  (
    item.ConceptNameCodeSequence as Naturalized[] | Naturalized | undefined as
      | { CodeMeaning?: string }
      | undefined
  )?.CodeMeaning ??
  (item.ConceptNameCodeSequence as { CodeMeaning?: string }[] | undefined)?.[0]?.CodeMeaning;

describe('DICOM SR (TID 1500 in a Comprehensive SR)', () => {
  const tools = skipWithout('dciodvfy', 'dsrdump');
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ddx-sr-'));
  });
  after(() => rm(folder, { recursive: true, force: true }));

  const validShapes = Object.entries(everyRecordShape).filter(([shape]) => shape !== 'failed');
  for (const [shape, build] of validShapes) {
    for (const patient of [
      undefined,
      { name: 'Zelda Q Marker', patientId: 'MRN-9', dateOfBirth: '1961-03-14' },
    ]) {
      it(`passes dciodvfy with no errors and dsrdump reads it: ${shape}${patient ? ', with patient' : ''}`, {
        skip: tools,
      }, async () => {
        const path = join(folder, `${shape.replace(/\W+/g, '-')}${patient ? '-patient' : ''}.dcm`);
        await writeFile(path, dicomSr(asDicom(build()), { source, patient }));
        const verify = runTool('dciodvfy', [path]);
        const report = `${verify.stdout}${verify.stderr}`;
        assert.match(report, /ComprehensiveSR/);
        assert.deepEqual(
          report.split('\n').filter((line) => /^Error/.test(line)),
          [],
          report,
        );
        const dump = runTool('dsrdump', ['+Pc', '+Pt', path]);
        assert.equal(dump.status, 0, dump.stderr);
        assert.doesNotMatch(dump.stderr, /^E:/m);
        assert.match(dump.stdout, /Imaging Measurement Report/);
        assert.match(dump.stdout, /126000,DCM/);
      });
    }
  }

  it('references the analysed instance, names both algorithms, and carries the ROI as SCOORD', () => {
    const record = asDicom(localizedFinalRecord());
    const sr = readBack(dicomSr(record, { source }));
    assert.equal(sr.SOPClassUID, '1.2.840.10008.5.1.4.1.1.88.33');
    assert.equal(sr.StudyInstanceUID, source.studyInstanceUid);
    assert.notEqual(sr.SeriesInstanceUID, source.seriesInstanceUid);
    const evidence = sr.PertinentOtherEvidenceSequence as Naturalized | Naturalized[];
    assert.match(JSON.stringify(evidence), new RegExp(source.sopInstanceUid.replace(/\./g, '\\.')));
    const tree = items(sr);
    const templates = JSON.stringify(sr.ContentTemplateSequence);
    assert.match(templates, /"TemplateIdentifier":"1500"/);
    const algorithmNames = tree
      .filter((item) => meaning(item) === 'Algorithm Name')
      .map((item) => item.TextValue);
    assert.deepEqual([...new Set(algorithmNames)].sort(), ['lesion-classifier', 'lesion-detector']);
    assert.ok(tree.some((item) => meaning(item) === 'Algorithm Version' && item.TextValue === '1.0.0'));
    const [region] = tree.filter((item) => item.ValueType === 'SCOORD');
    assert.equal(region?.GraphicType, 'POLYLINE');
    const points = ((region?.GraphicData ?? []) as number[]).map((value) => Math.round(value * 10) / 10);
    assert.deepEqual(points, [60.4, 88.1, 253.3, 88.1, 253.3, 243.2, 60.4, 243.2, 60.4, 88.1]);
    assert.match(
      JSON.stringify(region?.ContentSequence),
      new RegExp(source.sopInstanceUid.replace(/\./g, '\\.')),
    );
    const probabilities = tree.filter((item) => item.ValueType === 'NUM');
    assert.equal(probabilities.length, 5);
    assert.match(JSON.stringify(probabilities[0]), /"NumericValue":72/);
    assert.match(JSON.stringify(tree), /"CodeValue":"melanoma","CodingSchemeDesignator":"99DDX"/);
    // A label longer than 16 characters is a Long Code Value.
    assert.match(JSON.stringify(tree), /"LongCodeValue":"p:basal-cell-carcinoma"/);
    assert.match(JSON.stringify(tree), /"CodeValue":"confident"/);
    assert.equal(sr.PreliminaryFlag, 'FINAL');
  });

  it('leaves the Patient module empty unless the identifier store gives it, and copies nothing else that identifies', () => {
    const anonymous = readBack(dicomSr(asDicom(localizedFinalRecord()), { source }));
    for (const attribute of [
      'PatientName',
      'PatientID',
      'PatientBirthDate',
      'AccessionNumber',
      'ReferringPhysicianName',
      'StudyDate',
    ]) {
      const value = anonymous[attribute];
      assert.ok(
        value === undefined || value === '' || (Array.isArray(value) && value.length === 0),
        `${attribute} is empty`,
      );
    }
    assert.equal(anonymous.PatientSex, 'F');
    const identified = readBack(
      dicomSr(asDicom(localizedFinalRecord()), {
        source,
        patient: { name: 'Zelda Q Marker', patientId: 'MRN-9', dateOfBirth: '1961-03-14' },
      }),
    );
    assert.match(JSON.stringify(identified.PatientName), /Marker\^Zelda Q/);
    assert.equal(identified.PatientID, 'MRN-9');
    assert.equal(identified.PatientBirthDate, '19610314');
    // The object key ("Jane Doe back.jpg") is in neither.
    assert.doesNotMatch(JSON.stringify(anonymous), /Jane|uploads/);
  });

  it('uses a TID 1501 group for a whole-image classification and no measurement when out of scope', () => {
    const whole = items(readBack(dicomSr(asDicom(wholeImageUncertainRecord()), { source })));
    assert.equal(whole.filter((item) => item.ValueType === 'SCOORD').length, 0);
    assert.match(JSON.stringify(whole), /"TemplateIdentifier":"1501"/);
    assert.match(JSON.stringify(whole), /LOW_MARGIN: the two most likely labels are within 10 points/);
    const outOfScope = items(readBack(dicomSr(asDicom(outOfScopeRecord()), { source })));
    assert.equal(outOfScope.filter((item) => item.ValueType === 'NUM').length, 0);
    assert.match(JSON.stringify(outOfScope), /"CodeValue":"out-of-scope"/);
  });

  it('gives a new instance when the review changes the record, in the same series', () => {
    const record = asDicom(wholeImageUncertainRecord());
    const before = readBack(dicomSr(record, { source }));
    const reviewed = readBack(
      dicomSr(
        {
          ...record,
          review: {
            state: 'final',
            reviewer: 'Dr. B',
            at: '2026-12-01T09:00:00.000Z',
            diagnosis: null,
            codes: [],
            comment: null,
          },
        },
        { source },
      ),
    );
    assert.equal(before.SeriesInstanceUID, reviewed.SeriesInstanceUID);
    assert.notEqual(before.SOPInstanceUID, reviewed.SOPInstanceUID);
    assert.equal(readBack(dicomSr(record, { source })).SOPInstanceUID, before.SOPInstanceUID);
  });

  it('refuses a non-DICOM input and a failed record', () => {
    assert.throws(() => dicomSr(localizedFinalRecord(), { source }), DicomSrNotApplicableError);
    assert.throws(() => dicomSr(asDicom(failedRecord()), { source }), DicomSrNotApplicableError);
  });
});

describe('DICOM instance reference', () => {
  const sample = resolve(packageRoot, '../shared/data/dicom/dicom4ortho__test_XC_VLPhotographic.dcm');
  it('is read from a real VL photograph (shared data)', {
    skip: existsSync(sample) ? false : `no ${sample}`,
  }, async () => {
    const bytes = await readFile(sample);
    const reference = dicomInstanceReference(parsePart10(bytes, { maxInflatedBytes: 1 << 26 }));
    assert.equal(reference?.sopClassUid, '1.2.840.10008.5.1.4.1.1.77.1.4');
    const decoded = await decodeImage(bytes, { maxPixels: 50e6, minSide: 16 });
    assert.deepEqual(decoded.dicom?.instance, reference);
    // An SR of it passes the validator too.
    const record = asDicom(localizedFinalRecord());
    const sr = readBack(dicomSr(record, { source: reference ?? source }));
    assert.equal(sr.StudyInstanceUID, reference?.studyInstanceUid);
  });
});
