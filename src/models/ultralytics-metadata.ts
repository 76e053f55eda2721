/**
 * The metadata an Ultralytics export (YOLOv8, YOLO11, YOLO26; `model.export(format='onnx')`) writes
 * into the ONNX file: class names, the input size it was exported at, the stride, the task and
 * whether the graph already ends in NMS (`nms=True`, or an end-to-end head). Each value is the
 * Python `str()` of the exporter's value.
 */
import { type PythonValue, parsePythonLiteral } from './python-literal.js';

export interface UltralyticsMetadata {
  /** The Ultralytics version that exported the model. */
  version: string;
  /** `detect`, `segment`, `classify`, `pose`, `obb`. */
  task: string;
  /** Class names in class-index order. */
  names: string[];
  /** The exported input size. */
  imgsz: { height: number; width: number };
  stride: number;
  /** True when the output is already `[1, N, 6]` boxes (NMS inside, or an NMS-free end-to-end head). */
  boxesOut: boolean;
}

/** Null when the file was not exported by Ultralytics; an error when it was but the metadata is unreadable. */
export function readUltralyticsMetadata(metadata: Record<string, string>): UltralyticsMetadata | null {
  if (metadata.author !== 'Ultralytics' && !(metadata.names && metadata.imgsz && metadata.stride))
    return null;
  const literal = (key: string): PythonValue => {
    const text = metadata[key];
    if (text === undefined) throw new Error(`the Ultralytics metadata has no "${key}"`);
    try {
      return parsePythonLiteral(text);
    } catch (error) {
      throw new Error(`the Ultralytics metadata "${key}" cannot be read: ${(error as Error).message}`);
    }
  };
  const args = metadata.args ? literal('args') : {};
  const nms = typeof args === 'object' && args !== null && !Array.isArray(args) && args.nms === true;
  const end2end = metadata.end2end ? literal('end2end') === true : false;
  return {
    version: metadata.version ?? 'unknown',
    task: metadata.task ?? 'detect',
    names: classNames(literal('names')),
    imgsz: inputSize(literal('imgsz')),
    stride: positiveInteger(literal('stride'), 'stride'),
    boxesOut: nms || end2end,
  };
}

function classNames(value: PythonValue): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (value === null || typeof value !== 'object') throw new Error('the Ultralytics "names" is not a dict');
  const entries = Object.entries(value).map(([key, name]) => [Number(key), String(name)] as const);
  entries.sort((a, b) => a[0] - b[0]);
  entries.forEach(([index], position) => {
    if (index !== position) throw new Error('the Ultralytics "names" do not number the classes 0, 1, 2, ...');
  });
  return entries.map(([, name]) => name);
}

function inputSize(value: PythonValue): { height: number; width: number } {
  if (Array.isArray(value) && value.length === 2) {
    return {
      height: positiveInteger(value[0] ?? null, 'imgsz'),
      width: positiveInteger(value[1] ?? null, 'imgsz'),
    };
  }
  const side = positiveInteger(value, 'imgsz');
  return { height: side, width: side };
}

function positiveInteger(value: PythonValue, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`the Ultralytics "${key}" is not a positive whole number`);
  }
  return value;
}
