/**
 * What an ONNX file says about itself, read from its protobuf without a runtime: producer, the
 * `metadata_props` exporters write (Ultralytics puts `names`, `imgsz`, `stride` there, and
 * onnxruntime-node does not expose them), and the graph's real inputs and outputs with their
 * element types and shapes. Only the fields named here are decoded; weights are skipped unread.
 *
 * Field numbers are those of onnx/onnx.proto (ModelProto, GraphProto, ValueInfoProto, TypeProto,
 * TensorShapeProto).
 */
import { readFile } from 'node:fs/promises';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

export interface OnnxTensorInfo {
  name: string;
  /** ONNX element type name (`float32`, `uint8`, ...), or `type N` for one this table lacks. */
  type: string;
  /** Dimensions: a number when fixed, the symbol's name (or `?`) when not. */
  shape: (number | string)[];
}

export interface OnnxModelInfo {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  /** `metadata_props`, key -> value, as the exporter wrote them (strings). */
  metadata: Record<string, string>;
  /** Graph inputs that are fed at run time (initializers listed as inputs are left out). */
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  opsetVersion: number | null;
}

const modelField = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opset: 8, metadata: 14 };
const graphField = { initializer: 5, input: 11, output: 12 };
const elementTypes: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

export async function readOnnxModelInfo(path: string): Promise<OnnxModelInfo> {
  return parseOnnxModelInfo(await readFile(path));
}

export function parseOnnxModelInfo(bytes: Uint8Array): OnnxModelInfo {
  const info: OnnxModelInfo = {
    irVersion: 0,
    producerName: '',
    producerVersion: '',
    metadata: {},
    inputs: [],
    outputs: [],
    opsetVersion: null,
  };
  const reader = new BinaryReader(bytes);
  let sawGraph = false;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === modelField.irVersion && wireType === WireType.Varint)
      info.irVersion = Number(reader.int64());
    else if (field === modelField.producerName && wireType === WireType.LengthDelimited)
      info.producerName = reader.string();
    else if (field === modelField.producerVersion && wireType === WireType.LengthDelimited)
      info.producerVersion = reader.string();
    else if (field === modelField.metadata && wireType === WireType.LengthDelimited) {
      const [key, value] = readStringPair(reader.bytes());
      if (key !== '') info.metadata[key] = value;
    } else if (field === modelField.opset && wireType === WireType.LengthDelimited) {
      const opset = readOpset(reader.bytes());
      // The default domain ('' or 'ai.onnx') is the opset people mean.
      if (opset.domain === '' || opset.domain === 'ai.onnx') info.opsetVersion = opset.version;
    } else if (field === modelField.graph && wireType === WireType.LengthDelimited) {
      Object.assign(info, readGraph(reader.bytes()));
      sawGraph = true;
    } else reader.skip(wireType, field);
  }
  if (!sawGraph) throw new Error('not an ONNX model: it has no graph');
  return info;
}

function readStringPair(bytes: Uint8Array): [string, string] {
  const reader = new BinaryReader(bytes);
  let key = '';
  let value = '';
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) key = reader.string();
    else if (field === 2 && wireType === WireType.LengthDelimited) value = reader.string();
    else reader.skip(wireType, field);
  }
  return [key, value];
}

function readOpset(bytes: Uint8Array): { domain: string; version: number } {
  const reader = new BinaryReader(bytes);
  let domain = '';
  let version = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) domain = reader.string();
    else if (field === 2 && wireType === WireType.Varint) version = Number(reader.int64());
    else reader.skip(wireType, field);
  }
  return { domain, version };
}

function readGraph(bytes: Uint8Array): Pick<OnnxModelInfo, 'inputs' | 'outputs'> {
  const reader = new BinaryReader(bytes);
  const inputs: OnnxTensorInfo[] = [];
  const outputs: OnnxTensorInfo[] = [];
  const initializers = new Set<string>();
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (wireType !== WireType.LengthDelimited) reader.skip(wireType, field);
    else if (field === graphField.input) inputs.push(readValueInfo(reader.bytes()));
    else if (field === graphField.output) outputs.push(readValueInfo(reader.bytes()));
    else if (field === graphField.initializer) initializers.add(readTensorName(reader.bytes()));
    else reader.skip(wireType, field);
  }
  // IR versions before 4 list every weight as a graph input too.
  return { inputs: inputs.filter((input) => !initializers.has(input.name)), outputs };
}

/** TensorProto: only its name (field 8); the data fields are skipped. */
function readTensorName(bytes: Uint8Array): string {
  const reader = new BinaryReader(bytes);
  let name = '';
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 8 && wireType === WireType.LengthDelimited) name = reader.string();
    else reader.skip(wireType, field);
  }
  return name;
}

/** ValueInfoProto { name = 1; type = 2 } -> TypeProto { tensor_type = 1 } -> { elem_type = 1; shape = 2 }. */
function readValueInfo(bytes: Uint8Array): OnnxTensorInfo {
  const reader = new BinaryReader(bytes);
  const info: OnnxTensorInfo = { name: '', type: 'unknown', shape: [] };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) info.name = reader.string();
    else if (field === 2 && wireType === WireType.LengthDelimited) {
      const typeReader = new BinaryReader(reader.bytes());
      while (typeReader.pos < typeReader.len) {
        const [typeField, typeWire] = typeReader.tag();
        if (typeField === 1 && typeWire === WireType.LengthDelimited)
          readTensorType(typeReader.bytes(), info);
        else typeReader.skip(typeWire, typeField);
      }
    } else reader.skip(wireType, field);
  }
  return info;
}

function readTensorType(bytes: Uint8Array, info: OnnxTensorInfo): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) {
      const code = reader.int32();
      info.type = elementTypes[code] ?? `type ${code}`;
    } else if (field === 2 && wireType === WireType.LengthDelimited) {
      const shapeReader = new BinaryReader(reader.bytes());
      while (shapeReader.pos < shapeReader.len) {
        const [shapeField, shapeWire] = shapeReader.tag();
        if (shapeField === 1 && shapeWire === WireType.LengthDelimited)
          info.shape.push(readDimension(shapeReader.bytes()));
        else shapeReader.skip(shapeWire, shapeField);
      }
    } else reader.skip(wireType, field);
  }
}

/** Dimension { dim_value = 1; dim_param = 2 }: a fixed size, a named symbol, or neither (`?`). */
function readDimension(bytes: Uint8Array): number | string {
  const reader = new BinaryReader(bytes);
  let dimension: number | string = '?';
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) dimension = Number(reader.int64());
    else if (field === 2 && wireType === WireType.LengthDelimited) dimension = reader.string();
    else reader.skip(wireType, field);
  }
  return dimension;
}
