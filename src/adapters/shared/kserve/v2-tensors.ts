/**
 * Tensors of the Open Inference Protocol v2 (KServe, Triton, Seldon MLServer, OpenVINO Model
 * Server) over HTTP/REST, for both sides (our adapter and `ddx serve-models`):
 * - JSON: `{ name, shape, datatype, data }` with data row-major, flat or nested;
 * - the binary tensor data extension: the JSON header, then each binary tensor's little-endian
 *   bytes in tensor order, sized by `parameters.binary_data_size`, the header's length in the
 *   `Inference-Header-Content-Length` HTTP header.
 * Numeric datatypes are read into a Float32Array (the models here compute in FP32).
 */
import { z } from 'zod';

export const inferenceHeaderLengthHeader = 'inference-header-content-length';

export const numericDatatypes = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
] as const;
export type NumericDatatype = (typeof numericDatatypes)[number];

const bytesPerElement: Record<NumericDatatype, number> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};

const parametersSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional();

/** Nested or flat JSON tensor data: numbers or booleans, arrays of them, at any depth. */
type TensorData = number | boolean | TensorData[];
const tensorDataSchema: z.ZodType<TensorData> = z.lazy(() =>
  z.union([z.number(), z.boolean(), z.array(tensorDataSchema)]),
);

export const v2TensorSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  datatype: z.string().min(1),
  parameters: parametersSchema,
  data: tensorDataSchema.optional(),
});
export type V2Tensor = z.infer<typeof v2TensorSchema>;

export const inferResponseSchema = z.object({
  model_name: z.string().optional(),
  model_version: z.string().nullish(),
  id: z.string().optional(),
  parameters: parametersSchema,
  outputs: z.array(v2TensorSchema).min(1),
});
export type InferResponse = z.infer<typeof inferResponseSchema>;

export const inferRequestSchema = z.object({
  id: z.string().optional(),
  parameters: parametersSchema,
  inputs: z.array(v2TensorSchema).min(1),
  outputs: z.array(z.object({ name: z.string().min(1), parameters: parametersSchema })).optional(),
});
export type InferRequest = z.infer<typeof inferRequestSchema>;

/** A decoded numeric tensor. */
export interface DecodedTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: Float32Array;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/**
 * The JSON header and the binary section of an HTTP body. Without the header-length header the
 * whole body is JSON.
 */
export function splitBody(
  body: Buffer,
  headerLength: string | null | undefined,
): { json: unknown; binary: Buffer } {
  const length =
    headerLength === undefined || headerLength === null || headerLength === ''
      ? body.length
      : Number(headerLength);
  if (!Number.isInteger(length) || length < 0 || length > body.length) {
    throw new Error(
      `Inference-Header-Content-Length ${headerLength} does not fit a body of ${body.length} bytes`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(body.subarray(0, length).toString('utf8'));
  } catch {
    throw new Error(`the ${length}-byte JSON header is not JSON`);
  }
  return { json, binary: body.subarray(length) };
}

/**
 * Decodes tensors in order: each either carries JSON `data` or takes its `binary_data_size` bytes
 * from the binary section, which must be used up exactly.
 */
export function decodeTensors(tensors: readonly V2Tensor[], binary: Buffer): DecodedTensor[] {
  let offset = 0;
  const decoded = tensors.map((tensor) => {
    const datatype = tensor.datatype as NumericDatatype;
    if (!numericDatatypes.includes(datatype)) {
      throw new Error(`tensor ${tensor.name} has datatype ${tensor.datatype}; only numeric tensors are read`);
    }
    const count = elementCount(tensor.shape);
    const binarySize = tensor.parameters?.binary_data_size;
    let data: Float32Array;
    if (binarySize !== undefined) {
      if (typeof binarySize !== 'number' || !Number.isInteger(binarySize) || binarySize < 0) {
        throw new Error(`tensor ${tensor.name} has an invalid binary_data_size`);
      }
      if (offset + binarySize > binary.length) {
        throw new Error(
          `tensor ${tensor.name} needs ${binarySize} bytes, the body has ${binary.length - offset} left`,
        );
      }
      if (binarySize !== count * bytesPerElement[datatype]) {
        throw new Error(
          `tensor ${tensor.name}: ${binarySize} bytes do not hold [${tensor.shape.join(', ')}] ${datatype}`,
        );
      }
      data = fromBytes(binary.subarray(offset, offset + binarySize), datatype, count);
      offset += binarySize;
    } else {
      if (tensor.data === undefined)
        throw new Error(`tensor ${tensor.name} has neither data nor binary data`);
      const flat = flatten(tensor.data);
      if (flat.length !== count) {
        throw new Error(
          `tensor ${tensor.name} holds ${flat.length} values, its shape [${tensor.shape.join(', ')}] says ${count}`,
        );
      }
      data = Float32Array.from(flat);
    }
    return { name: tensor.name, shape: [...tensor.shape], datatype: tensor.datatype, data };
  });
  if (offset !== binary.length) {
    throw new Error(`${binary.length - offset} bytes of binary data are not claimed by any tensor`);
  }
  return decoded;
}

/** FP32 tensor bytes, little-endian, as the binary extension carries them. */
export function float32Bytes(data: Float32Array): Buffer {
  const bytes = Buffer.alloc(data.length * 4);
  for (let index = 0; index < data.length; index++) bytes.writeFloatLE(data[index] ?? 0, index * 4);
  return bytes;
}

function flatten(data: TensorData): number[] {
  if (!Array.isArray(data)) return [Number(data)];
  const out: number[] = [];
  const walk = (value: TensorData) => {
    if (Array.isArray(value)) for (const item of value) walk(item);
    else out.push(Number(value));
  };
  walk(data);
  return out;
}

function fromBytes(bytes: Buffer, datatype: NumericDatatype, count: number): Float32Array {
  const data = new Float32Array(count);
  const size = bytesPerElement[datatype];
  const read: (offset: number) => number = {
    BOOL: (at: number) => bytes.readUInt8(at),
    UINT8: (at: number) => bytes.readUInt8(at),
    INT8: (at: number) => bytes.readInt8(at),
    UINT16: (at: number) => bytes.readUInt16LE(at),
    INT16: (at: number) => bytes.readInt16LE(at),
    FP16: (at: number) => halfToFloat(bytes.readUInt16LE(at)),
    UINT32: (at: number) => bytes.readUInt32LE(at),
    INT32: (at: number) => bytes.readInt32LE(at),
    FP32: (at: number) => bytes.readFloatLE(at),
    UINT64: (at: number) => Number(bytes.readBigUInt64LE(at)),
    INT64: (at: number) => Number(bytes.readBigInt64LE(at)),
    FP64: (at: number) => bytes.readDoubleLE(at),
  }[datatype];
  for (let index = 0; index < count; index++) data[index] = read(index * size);
  return data;
}

/** IEEE 754 half precision -> number (FP16 has no JSON form, so it only comes binary). */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
