/**
 * The whole bad-input corpus again, with a patient's identity written into every metadata field
 * that can carry it and into the notes: no marker may appear in any log line (at debug level, the
 * most talkative) or in any metric the runs produce. The metrics are the ones the Lambda handler
 * publishes (`jobMetrics`), and the logger is the one the CLI and the server use, with the
 * Powertools line shape.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/adapters/logger/json-lines.js';
import { type ComposedDependencies, composeDependencies } from '../../src/compose.js';
import { type Config, loadConfig } from '../../src/config.js';
import { jobMetrics, type MetricPoint } from '../../src/observability/job-metrics.js';
import { corpus, prepareUploads } from './corpus.js';
import type { Metadata } from './corpus-case.js';
import { runCorpusCase } from './run-corpus-case.js';

/** Distinctive enough that no code, id or timing could contain them by chance. */
const markers = {
  name: 'Quillon Marchbanks-Vey',
  patientId: 'MRN-PHI-58213377',
  dateOfBirth: '1947-03-19',
  phone: '(555) 014-7782',
  email: 'quillon.vey@phi-marker.example',
  address: '42 Larkspur Hollow Road',
  socialSecurityNumber: '219-09-9999',
};

/** Identifiers in the fields that take them, in fields the service does not know, and in the notes. */
function withMarkers(metadata: Metadata): Metadata {
  const notes = typeof metadata.notes === 'string' ? metadata.notes : '';
  return {
    ...metadata,
    patientName: markers.name,
    mrn: markers.patientId,
    dob: markers.dateOfBirth,
    phone: markers.phone,
    email: markers.email,
    homeAddress: markers.address,
    ssn: markers.socialSecurityNumber,
    notes:
      `${notes} Seen with ${markers.name} (${markers.patientId}, born ${markers.dateOfBirth}), who lives at ${markers.address}; call ${markers.phone} or write to ${markers.email}. SSN ${markers.socialSecurityNumber}.`.trim(),
  };
}

describe('no patient data in logs or metrics, across the bad-input corpus', () => {
  let dataDir: string;
  let config: Config;
  let deps: ComposedDependencies;
  const logLines: string[] = [];
  const metrics: MetricPoint[] = [];
  let casesWithMarkers = 0;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ddx-no-phi-'));
    config = loadConfig({ DDX_DATA_DIR: dataDir, DDX_LOG_LEVEL: 'debug' });
    deps = await composeDependencies(config, {
      logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    });
    for (const testCase of corpus) {
      const uploads = await prepareUploads(testCase, {
        inputPrefix: config.inputPrefix,
        editMetadata: withMarkers,
      });
      if (uploads.some((upload) => upload.sidecar?.includes(markers.name))) casesWithMarkers++;
      const observed = await runCorpusCase(testCase, {
        deps,
        inputPrefix: config.inputPrefix,
        stagingDir: join(dataDir, 'staging'),
        editMetadata: withMarkers,
      });
      for (const record of observed.records) metrics.push(...jobMetrics({ record, reused: false }));
      for (const failureCode of observed.retried) {
        metrics.push(...jobMetrics({ record: null, reused: false, failureCode }));
      }
    }
  });

  after(async () => {
    await deps?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('put the markers in front of the service (the check below is not empty)', () => {
    assert.ok(casesWithMarkers >= 40, `${casesWithMarkers} cases carried the markers`);
    assert.ok(logLines.length > corpus.length, `${logLines.length} log lines`);
    assert.ok(logLines.some((line) => line.includes('"step finished"')));
    assert.ok(metrics.some((point) => point.name === 'StepDuration'));
  });

  for (const [what, marker] of Object.entries(markers)) {
    it(`never logs or measures the patient's ${what}`, () => {
      const leaks = logLines.filter((line) => line.includes(marker));
      assert.deepEqual(leaks, [], `log lines with the ${what}`);
      assert.ok(!JSON.stringify(metrics).includes(marker), `a metric carries the ${what}`);
    });
  }

  it('logs only JSON lines in the Powertools shape, with the request id on each job line', () => {
    for (const line of logLines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof parsed.level, 'string');
      assert.equal(typeof parsed.message, 'string');
      assert.equal(typeof parsed.timestamp, 'string');
      if (parsed.message === 'job finished' || parsed.message === 'job failed') {
        assert.equal(typeof parsed.requestId, 'string', line);
        assert.equal(typeof parsed.recordId, 'string', line);
        assert.equal(typeof parsed.durationMs, 'number', line);
      }
    }
  });
});
