/**
 * The shape of one bad-input case and of its expected outcome, and how an outcome is written in
 * docs/bad-input.md. Cases are data: the runner (run-corpus-case.ts) gives them their meaning.
 */
import type { ErrorCode, PipelineStep } from '../../src/errors.js';
import type { SupportedFormat } from '../../src/imaging/image-format.js';
import type { SkipReason } from '../../src/triggers/s3-event.js';

export type Metadata = Record<string, unknown>;

/** One object as a clinic's uploader puts it in the bucket: the image and its metadata sidecar. */
export interface UploadInput {
  image: () => Promise<Buffer>;
  /** What the clinic meant to send; null: no metadata file at all. */
  metadata: Metadata | null;
  /**
   * How the metadata is written, when not as plain JSON (a broken file, another encoding).
   * It receives the metadata, so fields a test adds (patient markers) reach even a broken file.
   */
  sidecar?: (metadata: Metadata) => Buffer | string;
}

/** Facts about a record with findings, asserted only when given. */
export interface FindingsFacts {
  route?: string;
  /** The decoded image: after EXIF rotation, first frame or page only. */
  image?: { format: SupportedFormat; width: number; height: number };
}

/** The record one object ends in. */
export type RecordExpectation =
  | ({ status: 'succeeded' | 'degraded' } & FindingsFacts)
  | { status: 'failed'; code: ErrorCode; step: PipelineStep; retriable: boolean };

/** Everything `processEvent` does with one event. Absent lists are empty. */
export interface EventExpectation {
  /** `processEvent` throws: the event is refused whole (Lambda retries it, then keeps it in the DLQ). */
  rejected?: { code: ErrorCode; step: PipelineStep };
  /** One per object the event names, in event order (an object named twice appears twice). */
  records?: RecordExpectation[];
  /** Objects left for redelivery without a final record (SQS batch item failures). */
  retried?: ErrorCode[];
  /** Items skipped or dropped with a reason, in event order. */
  skipped?: SkipReason[];
}

interface CaseBase {
  /** Stable, kebab-case: the docs table and other tests refer to it. */
  id: string;
  /** One line, no "|": it is the docs table's input column. */
  description: string;
}

/** Run like `ddx run`: uploaded under `uploads/<id>/<fileName>`, then `runInference`. */
export interface UploadCase extends CaseBase {
  category: 'image' | 'metadata';
  /** As the clinic named it: the extension may lie. */
  fileName: string;
  upload: UploadInput;
  expected: RecordExpectation;
}

/** What an event case's builder gets: the bucket, and the ETag of each object it uploaded. */
export interface EventContext {
  bucket: string;
  /** Bare ETag (as S3 events carry it) of an uploaded object; undefined for objects not uploaded. */
  etagOf(key: string): string | undefined;
}

/** Run like the Lambda handler: the objects are put in the bucket, then `processEvent(event)`. */
export interface EventCase extends CaseBase {
  category: 'event';
  /** Objects in the bucket before the event arrives. */
  objects: { key: string; upload: UploadInput }[];
  /** The event as Lambda hands it over: a parsed JSON value. */
  event: (context: EventContext) => unknown;
  expected: EventExpectation;
}

export type CorpusCase = UploadCase | EventCase;

/** The docs table's outcome columns for a case. */
export interface OutcomeCells {
  status: string;
  code: string;
  step: string;
  retriable: string;
}

const none = '-';

export function outcomeCells(testCase: CorpusCase): OutcomeCells {
  if (testCase.category !== 'event') return recordCells(testCase.expected);
  const { rejected, records = [], retried = [], skipped = [] } = testCase.expected;
  if (rejected) return { status: 'rejected', code: rejected.code, step: rejected.step, retriable: 'no' };
  const parts = [
    ...records.map(recordLabel),
    ...retried.map(() => 'retried'),
    ...skipped.map((reason) =>
      reason === 'invalid-message' ? `dropped (${reason})` : `skipped (${reason})`,
    ),
  ];
  const failed = records.find((record) => record.status === 'failed');
  const cells = failed ? recordCells(failed) : { code: retried[0] ?? none, step: none, retriable: none };
  if (!failed && retried.length > 0) cells.retriable = 'yes';
  return { ...cells, status: parts.join(' + ') };
}

function recordCells(expected: RecordExpectation): OutcomeCells {
  if (expected.status !== 'failed')
    return { status: recordLabel(expected), code: none, step: none, retriable: none };
  return {
    status: expected.status,
    code: expected.code,
    step: expected.step,
    retriable: expected.retriable ? 'yes' : 'no',
  };
}

function recordLabel(expected: RecordExpectation): string {
  if (expected.status === 'failed') return expected.status;
  const facts = [
    expected.image && `${expected.image.format} ${expected.image.width}x${expected.image.height}`,
    expected.route && `route ${expected.route}`,
  ].filter(Boolean);
  return facts.length > 0 ? `${expected.status} (${facts.join(', ')})` : expected.status;
}
