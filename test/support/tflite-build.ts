// Small .tflite models written with the flatc-generated object API (src/tflite/schema): test graphs for the
// importer and seeds for the fuzzer. Also unpacks real models into the same editable form.
import * as flatbuffers from 'flatbuffers';
import {
  BufferT,
  BuiltinOperator,
  BuiltinOptions,
  DimensionMetadataT,
  DimensionType,
  Int32VectorT,
  Model,
  ModelT,
  Operator,
  OperatorCodeT,
  OperatorT,
  QuantizationParametersT,
  SparseIndexVector,
  SparsityParametersT,
  SubGraphT,
  TensorT,
  TensorType,
  Uint16VectorT,
  Uint8VectorT,
} from '../../src/tflite/schema/tflite_generated.js';

export interface TensorSpec {
  name: string;
  shape: number[];
  type?: TensorType;
  /** Raw constant bytes (little-endian); use f32 / f16 / i32 below. */
  data?: Uint8Array;
  quant?: { scale: number[]; zeroPoint: number[]; dimension?: number };
  /** Sparse storage: `data` then holds only the stored values (see sparsify). */
  sparsity?: SparsityParametersT;
}

export interface OpSpec {
  /** A builtin code, or a custom op's code string. */
  op: BuiltinOperator | string;
  inputs: number[];
  outputs: number[];
  optionsType?: BuiltinOptions;
  options?: OperatorT['builtinOptions'];
  custom?: Uint8Array;
  /** The operator code's version (default 1; LiteRT registers some builtins from a later version only). */
  version?: number;
}

/** A builtin operator written without a custom_options vector (the object API writes an empty one, which TFLite reports as an error). */
class BuiltinOperatorT extends OperatorT {
  override pack(builder: flatbuffers.Builder): flatbuffers.Offset {
    const inputs = Operator.createInputsVector(builder, this.inputs);
    const outputs = Operator.createOutputsVector(builder, this.outputs);
    const options = builder.createObjectOffset(this.builtinOptions);
    return Operator.createOperator(builder, this.opcodeIndex, inputs, outputs, this.builtinOptionsType, options, 0, this.customOptionsFormat);
  }
}

export interface ModelSpec {
  tensors: TensorSpec[];
  ops: OpSpec[];
  inputs: number[];
  outputs: number[];
  description?: string;
}

export const f32 = (xs: ArrayLike<number>) => new Uint8Array(Float32Array.from(xs).buffer);
export const i32 = (xs: ArrayLike<number>) => new Uint8Array(Int32Array.from(xs).buffer);
export const i8 = (xs: ArrayLike<number>) => new Uint8Array(Int8Array.from(xs).buffer);

/** float32 → IEEE binary16 bits, round to nearest even (normal range; enough for test weights). */
export function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  const round = mant & 0x1fff;
  mant >>>= 13;
  let h = sign | (exp << 10) | mant;
  if (round > 0x1000 || (round === 0x1000 && (mant & 1))) h++;
  return h;
}
export const f16 = (xs: ArrayLike<number>) => new Uint8Array(Uint16Array.from(Array.from(xs, toHalf)).buffer);

/** The model as the object API's ModelT (buffer 0 is the empty sentinel). */
export function modelT(spec: ModelSpec): ModelT {
  const codes: OperatorCodeT[] = [];
  const codeIndex = (op: BuiltinOperator | string, version = 1) => {
    const custom = typeof op === 'string';
    const code = custom ? BuiltinOperator.CUSTOM : op;
    let k = codes.findIndex((c) => c.builtinCode === code && c.version === version && (!custom || c.customCode === op));
    if (k < 0) {
      codes.push(new OperatorCodeT(Math.min(code, 127), custom ? op : null, version, code));
      k = codes.length - 1;
    }
    return k;
  };
  const buffers = [new BufferT()];
  const tensors = spec.tensors.map((t) => {
    let buffer = 0;
    if (t.data) {
      buffers.push(new BufferT(Array.from(t.data)));
      buffer = buffers.length - 1;
    }
    const q = t.quant ? new QuantizationParametersT([], [], t.quant.scale, t.quant.zeroPoint.map(BigInt), undefined, null, t.quant.dimension ?? 0) : null;
    return new TensorT(t.shape, t.type ?? TensorType.FLOAT32, buffer, t.name, q, false, t.sparsity ?? null);
  });
  const ops = spec.ops.map((o) =>
    o.custom || typeof o.op === 'string'
      ? new OperatorT(codeIndex(o.op, o.version), o.inputs, o.outputs, o.optionsType ?? BuiltinOptions.NONE, o.options ?? null, Array.from(o.custom ?? []))
      : new BuiltinOperatorT(codeIndex(o.op, o.version), o.inputs, o.outputs, o.optionsType ?? BuiltinOptions.NONE, o.options ?? null, []),
  );
  const sg = new SubGraphT(tensors, spec.inputs, spec.outputs, ops, 'main');
  return new ModelT(3, codes, [sg], spec.description ?? 'sepconv test model', buffers);
}

export function pack(m: ModelT): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  b.finish(m.pack(b), 'TFL3');
  return b.asUint8Array().slice();
}

export function buildTflite(spec: ModelSpec): Uint8Array {
  return pack(modelT(spec));
}

/** A real model's bytes as an editable ModelT. */
export function unpack(bytes: Uint8Array): ModelT {
  return Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes)).unpack();
}

export interface SparseFormat {
  /** Levels → dims: a permutation of the tensor's dims, then the block dims rank, rank + 1… */
  traversalOrder: number[];
  /** Block dim i blocks tensor dim blockMap[i] by blockSizes[i]. */
  blockMap?: number[];
  blockSizes?: number[];
  /** Per level: DENSE or SPARSE_CSR. */
  csr: boolean[];
  /** Index vector type of the CSR levels (default int32). */
  index?: SparseIndexVector;
}

/**
 * TFLite's dense → sparse encoding (FormatConverter::DenseToSparse): the stored values in traversal order and
 * the SparsityParameters; a CSR level keeps the indices whose sub-block holds a non-zero.
 */
export function sparsify(dense: ArrayLike<number>, shape: number[], f: SparseFormat): { values: number[]; sparsity: SparsityParametersT } {
  const rank = shape.length;
  const blockMap = f.blockMap ?? [];
  const blockSizes = f.blockSizes ?? [];
  const blocked = shape.map((d, i) => (blockMap.includes(i) ? d / blockSizes[blockMap.indexOf(i)]! : d));
  const sizes = f.traversalOrder.map((d, i) => (i < rank ? blocked[d]! : blockSizes[i - rank]!));
  const depth = sizes.length;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const at = (idx: number[]) => {
    let flat = 0;
    for (let d = 0; d < rank; d++) {
      const b = blockMap.indexOf(d);
      const v = idx[f.traversalOrder.indexOf(d)]!;
      flat += (b >= 0 ? v * blockSizes[b]! + idx[rank + b]! : v) * strides[d]!;
    }
    return dense[flat]!;
  };
  const nonZero = (level: number, idx: number[]): boolean => {
    if (level === depth) return at(idx) !== 0;
    for (let i = 0; i < sizes[level]!; i++) if (nonZero(level + 1, [...idx.slice(0, level), i])) return true;
    return false;
  };
  const segments: number[][] = sizes.map(() => [0]);
  const indices: number[][] = sizes.map(() => []);
  const values: number[] = [];
  const walk = (level: number, idx: number[]) => {
    if (level === depth) {
      values.push(at(idx));
      return;
    }
    for (let i = 0; i < sizes[level]!; i++) {
      const next = [...idx.slice(0, level), i];
      if (!f.csr[level]) walk(level + 1, next);
      else if (nonZero(level + 1, next)) {
        indices[level]!.push(i);
        walk(level + 1, next);
      }
    }
    if (f.csr[level]) segments[level]!.push(indices[level]!.length);
  };
  walk(0, []);
  const type = f.index ?? SparseIndexVector.Int32Vector;
  const vec = (v: number[]) => (type === SparseIndexVector.Uint8Vector ? new Uint8VectorT(v) : type === SparseIndexVector.Uint16Vector ? new Uint16VectorT(v) : new Int32VectorT(v));
  const meta = sizes.map((n, l) =>
    f.csr[l] ? new DimensionMetadataT(DimensionType.SPARSE_CSR, 0, type, vec(segments[l]!), type, vec(indices[l]!)) : new DimensionMetadataT(DimensionType.DENSE, n),
  );
  return { values, sparsity: new SparsityParametersT(f.traversalOrder, blockMap, meta) };
}
