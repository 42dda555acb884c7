/**
 * A small ONNX graph builder: enough to write the Darknet converter's output
 * and synthetic test models (any family) without a Python toolchain.
 *
 * @example
 * const g = new OnnxGraphBuilder()
 *   .input('images', [1, 3, 64, 64])
 *   .initializer('w', new Float32Array(3 * 3 * 3 * 8), [8, 3, 3, 3])
 *   .node('Conv', ['images', 'w'], ['y'], { pads: [1, 1, 1, 1] })
 *   .output('y', [1, 8, 64, 64]);
 * const bytes = g.toBytes({ 'clouddetect.family': 'yolov8' });
 */
import {
  AttributeType,
  DataType,
  encodeModel,
  type AttributeMessage,
  type DataTypeCode,
  type NodeMessage,
  type TensorMessage,
  type ValueInfoMessage,
} from './proto.js';

/** Element types the builder can declare for graph inputs and outputs. */
export type ElementType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64';

/** A dimension: a fixed size, or a symbolic name such as `'batch'`. */
export type Dim = number | string;

/**
 * An attribute value. Plain numbers become INT when integral, FLOAT
 * otherwise; arrays likewise become INTS or FLOATS. Use the tagged form to
 * force FLOAT/FLOATS for integral values (e.g. `{ float: 1 }`).
 */
export type AttributeValue =
  | number
  | string
  | number[]
  | string[]
  | { float: number }
  | { floats: number[] };

/** Typed arrays accepted as initializer data, stored little-endian in raw_data. */
export type TensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;

/** Default opset: run by onnxruntime 1.30 and by OpenCV 4.6's ONNX importer. */
export const DEFAULT_OPSET = 13;

/** IR version 8 is what opset 13-17 models are written with. */
const IR_VERSION = 8;

const elementCodes: Record<ElementType, DataTypeCode> = {
  float32: DataType.FLOAT,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  int32: DataType.INT32,
  int64: DataType.INT64,
};

function tensorCode(data: TensorData): DataTypeCode {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof BigInt64Array) return DataType.INT64;
  if (data instanceof Int32Array) return DataType.INT32;
  if (data instanceof Int8Array) return DataType.INT8;
  return DataType.UINT8;
}

function valueInfo(name: string, dims: readonly Dim[], type: ElementType): ValueInfoMessage {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elementCodes[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): AttributeMessage {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: utf8(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { name, type: AttributeType.INT, i: value }
      : { name, type: AttributeType.FLOAT, f: value };
  }
  if (Array.isArray(value)) {
    if (value.every((v): v is string => typeof v === 'string')) {
      return { name, type: AttributeType.STRINGS, strings: value.map(utf8) };
    }
    const nums = value as number[];
    return nums.every(Number.isInteger)
      ? { name, type: AttributeType.INTS, ints: nums }
      : { name, type: AttributeType.FLOATS, floats: nums };
  }
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.FLOATS, floats: value.floats };
}

/**
 * Collects inputs, outputs, initializers and nodes in order, then writes one
 * ModelProto. Nodes must be added in topological order (ONNX requires it).
 * Initializer data is referenced, not copied, until {@link toBytes}.
 */
export class OnnxGraphBuilder {
  private readonly inputs: ValueInfoMessage[] = [];
  private readonly outputs: ValueInfoMessage[] = [];
  private readonly initializers: TensorMessage[] = [];
  private readonly nodes: NodeMessage[] = [];
  private readonly names = new Set<string>();

  /** @param graphName the GraphProto name @default 'main' */
  constructor(private readonly graphName = 'main') {}

  /** Declare a graph input. @param type @default 'float32' */
  input(name: string, dims: readonly Dim[], type: ElementType = 'float32'): this {
    this.claim(name);
    this.inputs.push(valueInfo(name, dims, type));
    return this;
  }

  /** Declare a graph output; `name` must be produced by some node. @param type @default 'float32' */
  output(name: string, dims: readonly Dim[], type: ElementType = 'float32'): this {
    this.outputs.push(valueInfo(name, dims, type));
    return this;
  }

  /** Add a constant tensor. @param dims @default [data.length] */
  initializer(name: string, data: TensorData, dims: readonly number[] = [data.length]): this {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new Error(`initializer ${name}: dims [${dims.join(', ')}] hold ${count} values, data has ${data.length}`);
    }
    this.claim(name);
    this.initializers.push({
      name,
      dims: [...dims],
      data_type: tensorCode(data),
      raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return this;
  }

  /** Shorthand for a 1-D int64 initializer (shapes, axes, slice bounds). */
  int64(name: string, values: readonly number[]): this {
    return this.initializer(name, BigInt64Array.from(values, BigInt));
  }

  /**
   * Add an operator node. An empty string in `inputs` marks an omitted
   * optional input, as in the ONNX spec.
   * @param name node name @default `${opType}_${index}`
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, AttributeValue> = {},
    name = `${opType}_${this.nodes.length}`,
  ): this {
    for (const out of outputs) this.claim(out);
    this.nodes.push({
      name,
      op_type: opType,
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return this;
  }

  /**
   * Serialise the model.
   * @param metadata ModelProto metadata_props @default {}
   * @param opset default-domain opset version @default DEFAULT_OPSET
   */
  toBytes(metadata: Record<string, string> = {}, opset = DEFAULT_OPSET): Uint8Array {
    return encodeModel({
      ir_version: IR_VERSION,
      producer_name: 'clouddetect',
      producer_version: '1',
      opset_import: [{ domain: '', version: opset }],
      metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }

  /** Tensor names must be unique in a graph; a clash would silently rewire it. */
  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`duplicate tensor name ${name}`);
    this.names.add(name);
  }
}
