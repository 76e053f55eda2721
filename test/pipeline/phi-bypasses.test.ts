/**
 * The identifier bypasses issue 9 found, through the real pipeline on the embedded adapters: a body
 * site and a specialty carrying a name and an MRN, and notes with each form the old scrubber
 * missed (label forms, names with no title, lower-case names, full-width and Cyrillic digits,
 * "x at y dot com", spelled-out dates), plus a DICOM header naming another patient. None of it
 * reaches the recommender's request, the record, the logs; the patient store keeps one person.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/adapters/logger/json-lines.js';
import { type ComposedDependencies, composeDependencies } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import type { RecommendationRequest } from '../../src/domain.js';
import { runInference } from '../../src/pipeline/run-inference.js';
import { storeUpload } from '../../src/uploads/store-upload.js';
import { createDataDir } from '../support/cli.js';
import { dicomFile, imagePixelElements, TransferSyntaxUid } from '../support/dicom-files.js';
import { sampleJpeg } from '../support/pipeline-fixture.js';

/** What must reach nothing but the patient store (or, for the header's patient, not even that). */
const markers = ['Quillon', 'Marchbanks', '58213377', '4471902', 'quillon.vey', 'Okafor', 'Thaddeus', '1952'];

const notes = [
  'Patient: quillon marchbanks, seen for a changing mole.',
  'Pt: MARCHBANKS, QUILLON.',
  'Lives with jennifer and Thaddeus Okafor.',
  'MRN ５８２１３３７７ (full-width), old MRN ٤٤٧١٩٠٢, МRN 58213З77.',
  'Write to quillon.vey at phi-marker dot com.',
  'Born the fourteenth of March nineteen fifty-two.',
  'Lesion 6 mm, Breslow pending; Koebner negative.',
].join(' ');

const metadata = {
  extent: 'localized',
  bodySite: 'back of Quillon Marchbanks MRN 58213377',
  specialty: "Dr Okafor's clinic",
  age: 54,
  patientName: 'Quillon Marchbanks',
  mrn: 'MRN-58213377',
  notes,
};

describe('identifier bypasses through the pipeline', () => {
  let deps: ComposedDependencies;
  const requests: RecommendationRequest[] = [];
  const logLines: string[] = [];

  before(async () => {
    const config = loadConfig({ DDX_DATA_DIR: await createDataDir(), DDX_LOG_LEVEL: 'debug' });
    const composed = await composeDependencies(config, {
      logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    });
    const recommender = composed.recommender;
    deps = {
      ...composed,
      recommender: {
        name: recommender.name,
        recommend: (request, options) => {
          requests.push(request);
          return recommender.recommend(request, options);
        },
      },
    };
  });
  after(async () => {
    await deps?.close();
  });

  const assertNoMarker = (where: string, text: string) => {
    for (const marker of markers) assert.ok(!text.includes(marker), `${where} holds "${marker}"`);
  };

  it('forwards none of them from a photo with a sidecar', async () => {
    const key = 'uploads/phi/photo.jpg';
    await storeUpload(deps.blobStore, {
      key,
      image: await sampleJpeg(),
      metadata: Buffer.from(JSON.stringify(metadata)),
    });
    const { record } = await runInference({ source: { key }, requestId: 'phi-photo', trigger: 'cli' }, deps);
    assert.equal(record.status, 'succeeded', record.error?.message);
    assert.equal(record.context?.bodySite, null);
    assert.equal(record.context?.specialty, null);
    assert.deepEqual(record.context?.warnings, ['BODY_SITE_NOT_IN_VOCABULARY', 'SPECIALTY_NOT_LISTED']);
    assert.ok(requests.length > 0, 'the recommender was asked');
    assertNoMarker('the recommender request', JSON.stringify(requests));
    assertNoMarker('the record', JSON.stringify(record));
    assertNoMarker('the logs', logLines.join('\n'));
    assert.match(JSON.stringify(requests), /Breslow pending; Koebner negative/, 'clinical text stays');
  });

  it("keeps a DICOM header's other patient apart: scrubbed from the notes, never stored", async () => {
    requests.length = 0;
    const key = 'uploads/phi/photo.dcm';
    const file = dicomFile({
      transferSyntax: TransferSyntaxUid.explicitLittle,
      elements: [
        { tag: [0x0008, 0x0060], vr: 'CS', value: 'XC' },
        { tag: [0x0010, 0x0010], vr: 'PN', value: 'Okafor^Thaddeus' },
        { tag: [0x0010, 0x0020], vr: 'LO', value: '4471902' },
        { tag: [0x0018, 0x0015], vr: 'CS', value: 'UPPER_ARM' },
        ...imagePixelElements({
          rows: 64,
          columns: 64,
          samplesPerPixel: 3,
          photometric: 'RGB',
          bitsAllocated: 8,
        }),
      ],
      pixelData: { native: new Uint8Array(64 * 64 * 3).fill(180), vr: 'OB' },
    });
    const sidecar = { ...metadata, bodySite: undefined, specialty: undefined };
    await storeUpload(deps.blobStore, { key, image: file, metadata: Buffer.from(JSON.stringify(sidecar)) });
    const { record } = await runInference({ source: { key }, requestId: 'phi-dicom', trigger: 'cli' }, deps);
    assert.equal(record.status, 'succeeded', record.error?.message);
    assert.equal(record.context?.bodySite, 'upper arm', 'the header body part, allow-listed');
    assert.deepEqual(record.context?.warnings, ['PATIENT_ID_CONFLICT', 'PATIENT_NAME_CONFLICT']);
    assertNoMarker('the recommender request', JSON.stringify(requests));
    assertNoMarker('the record', JSON.stringify(record));
    const stored = await deps.resultStore.patientIdentifiers(record.id);
    assert.deepEqual(
      stored,
      { name: 'Quillon Marchbanks', patientId: 'MRN-58213377' },
      'one patient, the sidecar’s',
    );
  });
});
