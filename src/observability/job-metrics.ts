/**
 * The metrics of one object's run, as plain data: the Lambda handler publishes them as CloudWatch
 * EMF through Powertools Metrics, and tests read them as they are. Dimensions come from closed
 * sets (pipeline steps, error codes), never from keys, metadata or notes: they carry no patient
 * data and keep the metric count small.
 *
 * | metric            | unit         | dimensions  | when                                        |
 * |-------------------|--------------|-------------|---------------------------------------------|
 * | RecordsProcessed  | Count        |             | every run that did work                     |
 * | RecordsReused     | Count        |             | a redelivery answered from its record       |
 * | RecordsSucceeded  | Count        |             | status `succeeded`                          |
 * | DegradedRecords   | Count        |             | status `degraded` (the LLM failed)          |
 * | RecordsFailed     | Count        | code        | status `failed`, or the run failed to store |
 * | TransientFailures | Count        |             | the platform will retry it (alarmed on)     |
 * | StepErrors        | Count        | step, code  | the step a failure or degradation came from |
 * | RoiFound          | Count        |             | localized routes: 1 with a region, else 0   |
 * | StepDuration      | Milliseconds | step        | each step that ran                          |
 * | JobDuration       | Milliseconds |             | the whole run, record written               |
 */
import { type ErrorCode, PipelineStep, ServiceErrorCode } from '../errors.js';
import { type InferenceRecord, RecordStatus } from '../record.js';

export type MetricUnit = 'Count' | 'Milliseconds';

export interface MetricPoint {
  name: string;
  unit: MetricUnit;
  value: number;
  dimensions: Readonly<Record<string, string>>;
}

/** What one object's run came to, whichever entry point ran it. */
export interface JobResult {
  /** Null when no record could be written (the store failed, or another run held the claim). */
  record: InferenceRecord | null;
  reused: boolean;
  /** The failure's code when there is no record to read it from. */
  failureCode?: ErrorCode;
}

const stepNames: ReadonlySet<string> = new Set(Object.values(PipelineStep));

export function jobMetrics({ record, reused, failureCode }: JobResult): MetricPoint[] {
  if (reused) return [count('RecordsReused')];
  const points = [count('RecordsProcessed')];
  const error = record?.error;
  if (!record || record.status === RecordStatus.failed) {
    points.push(count('RecordsFailed', { code: error?.code ?? failureCode ?? ServiceErrorCode.internal }));
    // No record, or one a retry may fix: a dependency or the deadline, not the upload, is at fault.
    if (!record || error?.retriable) points.push(count('TransientFailures'));
  }
  if (record?.status === RecordStatus.succeeded) points.push(count('RecordsSucceeded'));
  if (record?.status === RecordStatus.degraded) points.push(count('DegradedRecords'));
  if (error) points.push(count('StepErrors', { step: error.step, code: error.code }));
  else if (!record && failureCode)
    points.push(count('StepErrors', { step: PipelineStep.persist, code: failureCode }));
  if (record?.localization) {
    points.push({ ...count('RoiFound'), value: record.localization.roi ? 1 : 0 });
  }
  for (const [step, milliseconds] of Object.entries(record?.timings ?? {})) {
    // Sub-steps (`fetch-image.decode`) stay in the record: the steps alone make the dashboard.
    if (stepNames.has(step)) points.push(duration('StepDuration', milliseconds, { step }));
  }
  const total = record?.timings.total;
  if (total !== undefined) points.push(duration('JobDuration', total));
  return points;
}

function count(name: string, dimensions: Record<string, string> = {}): MetricPoint {
  return { name, unit: 'Count', value: 1, dimensions };
}

function duration(name: string, milliseconds: number, dimensions: Record<string, string> = {}): MetricPoint {
  return { name, unit: 'Milliseconds', value: milliseconds, dimensions };
}
