import { ModelFormatError } from '../errors.js';
import { hasTfliteIdentifier } from '../formats.js';
export { hasTfliteIdentifier, TFLITE_IDENTIFIER } from '../formats.js';
import { MAX_ELEMENTS } from '../onnx/tensor.js';
import { CheckedByteBuffer, OutOfBounds } from './checked-buffer.js';
import { densify, type SparseLevel, type Sparsity } from './sparsity.js';
import {
  AddOptions,
  ArgMaxOptions,
  ArgMinOptions,
  BatchMatMulOptions,
  BuiltinOperator,
  BuiltinOptions,
  ConcatenationOptions,
  Conv2DOptions,
  DepthToSpaceOptions,
  DepthwiseConv2DOptions,
  DimensionType,
  DivOptions,
  FullyConnectedOptions,
  GatherOptions,
  GeluOptions,
  L2NormOptions,
  LeakyReluOptions,
  LocalResponseNormalizationOptions,
  MirrorPadOptions,
  Model,
  MulOptions,
  Operator,
  PackOptions,
  Pool2DOptions,
  ReducerOptions,
  ReshapeOptions,
  ResizeBilinearOptions,
  ResizeNearestNeighborOptions,
  SoftmaxOptions,
  SparseIndexVector,
  SparsityParameters,
  SpaceToDepthOptions,
  SplitOptions,
  SplitVOptions,
  SqueezeOptions,
  StridedSliceOptions,
  SubOptions,
  Int32Vector,
  Uint16Vector,
  Uint8Vector,
  TensorType,
  TransposeConvOptions,
  UnpackOptions,
} from './schema/tflite_generated.js';

/** The flatbuffer file identifier of TFLite models, at bytes 4..8. */

/** Bytes per element of the tensor types sepconv can read constants of. */
export const ELEMENT_BYTES: Partial<Record<TensorType, number>> = {
  [TensorType.FLOAT32]: 4,
  [TensorType.FLOAT16]: 2,
  [TensorType.INT32]: 4,
  [TensorType.UINT8]: 1,
  [TensorType.INT64]: 8,
  [TensorType.BOOL]: 1,
  [TensorType.INT16]: 2,
  [TensorType.INT8]: 1,
  [TensorType.FLOAT64]: 8,
};

export interface TfliteQuantization {
  readonly scale: number[];
  readonly zeroPoint: number[];
  readonly dimension: number;
}

export interface TfliteTensor {
  readonly index: number;
  readonly name: string;
  readonly shape: number[];
  readonly type: TensorType;
  /** The constant's raw little-endian bytes (a view into the file); absent for activations. */
  readonly data?: Uint8Array;
  readonly quantization?: TfliteQuantization;
  readonly isVariable: boolean;
  /** The file stores the constant sparse (SparsityParameters); `data` holds it densified. */
  readonly sparse: boolean;
}

export type OptionValue = number | boolean | number[];

export interface TfliteOperator {
  readonly index: number;
  /** Builtin code (BuiltinOperator), CUSTOM for custom ops. */
  readonly code: number;
  /** BUILTIN_NAME, or the custom code string for custom ops. */
  readonly opName: string;
  readonly version: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  readonly inputs: number[];
  readonly outputs: number[];
  /** The builtin options table's fields, camelCase, defaults filled in. */
  readonly options: Readonly<Record<string, OptionValue>>;
  readonly customOptions?: Uint8Array;
}

export interface TfliteFile {
  readonly version: number;
  readonly description: string;
  readonly subgraphCount: number;
  readonly tensors: TfliteTensor[];
  readonly inputs: number[];
  readonly outputs: number[];
  readonly operators: TfliteOperator[];
}

export function builtinName(code: number): string {
  return BuiltinOperator[code] ?? `builtin operator ${code}`;
}

export function tensorTypeName(type: number): string {
  return TensorType[type] ?? `tensor type ${type}`;
}


/** Runs a read; a bounds failure, or a RangeError from a generated typed-array accessor, becomes a ModelFormatError naming `where`. */
function at<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OutOfBounds || e instanceof RangeError) throw new ModelFormatError(`TFLite model: ${where}: ${e.message}`);
    throw e;
  }
}

/**
 * Reads a vector of 4-byte numbers through its generated accessor. `bytes` (the file size) bounds the length
 * before anything is allocated: a hostile length word must not make us allocate or loop past the file.
 */
function ints(length: number, get: (i: number) => number | null, what: string, bytes: number): number[] {
  if (!(length >= 0 && length * 4 <= bytes)) throw new ModelFormatError(`TFLite model: ${what} claims ${length} entries, more than the ${bytes}-byte file holds`);
  const out = new Array<number>(length);
  for (let i = 0; i < length; i++) {
    const v = get(i);
    if (v === null) throw new ModelFormatError(`TFLite model: ${what}[${i}] is missing`);
    out[i] = v;
  }
  return out;
}

type OptionsReader = (op: Operator) => Record<string, OptionValue>;

/** The options table under the union tag, read by `read`; a tag without a table (hostile file) reads as none. */
function table<T extends { bb: unknown }>(op: Operator, empty: T, read: (o: T) => Record<string, OptionValue>): Record<string, OptionValue> {
  const o = op.builtinOptions(empty) as T | null;
  return o ? read(o) : {};
}

/** One reader per builtin options table the importer uses (BuiltinOptions union index → plain record). */
const OPTIONS: Partial<Record<BuiltinOptions, OptionsReader>> = {
  [BuiltinOptions.Conv2DOptions]: (op) => table(op, new Conv2DOptions(), (o) => ({
    padding: o.padding(),
    strideW: o.strideW(),
    strideH: o.strideH(),
    activation: o.fusedActivationFunction(),
    dilationW: o.dilationWFactor(),
    dilationH: o.dilationHFactor(),
  })),
  [BuiltinOptions.DepthwiseConv2DOptions]: (op) => table(op, new DepthwiseConv2DOptions(), (o) => ({
    padding: o.padding(),
    strideW: o.strideW(),
    strideH: o.strideH(),
    depthMultiplier: o.depthMultiplier(),
    activation: o.fusedActivationFunction(),
    dilationW: o.dilationWFactor(),
    dilationH: o.dilationHFactor(),
  })),
  [BuiltinOptions.Pool2DOptions]: (op) => table(op, new Pool2DOptions(), (o) => ({
    padding: o.padding(),
    strideW: o.strideW(),
    strideH: o.strideH(),
    filterW: o.filterWidth(),
    filterH: o.filterHeight(),
    activation: o.fusedActivationFunction(),
  })),
  [BuiltinOptions.FullyConnectedOptions]: (op) => table(op, new FullyConnectedOptions(), (o) => ({ activation: o.fusedActivationFunction(), weightsFormat: o.weightsFormat(), keepNumDims: o.keepNumDims() })),
  [BuiltinOptions.SoftmaxOptions]: (op) => table(op, new SoftmaxOptions(), (o) => ({ beta: o.beta() })),
  [BuiltinOptions.ConcatenationOptions]: (op) => table(op, new ConcatenationOptions(), (o) => ({ axis: o.axis(), activation: o.fusedActivationFunction() })),
  [BuiltinOptions.AddOptions]: (op) => table(op, new AddOptions(), (o) => ({ activation: o.fusedActivationFunction() })),
  [BuiltinOptions.MulOptions]: (op) => table(op, new MulOptions(), (o) => ({ activation: o.fusedActivationFunction() })),
  [BuiltinOptions.SubOptions]: (op) => table(op, new SubOptions(), (o) => ({ activation: o.fusedActivationFunction() })),
  [BuiltinOptions.DivOptions]: (op) => table(op, new DivOptions(), (o) => ({ activation: o.fusedActivationFunction() })),
  [BuiltinOptions.ResizeBilinearOptions]: (op) => table(op, new ResizeBilinearOptions(), (o) => ({ alignCorners: o.alignCorners(), halfPixelCenters: o.halfPixelCenters() })),
  [BuiltinOptions.ResizeNearestNeighborOptions]: (op) => table(op, new ResizeNearestNeighborOptions(), (o) => ({ alignCorners: o.alignCorners(), halfPixelCenters: o.halfPixelCenters() })),
  [BuiltinOptions.ReshapeOptions]: (op) => table(op, new ReshapeOptions(), (o) => ({ newShape: ints(o.newShapeLength(), (i) => o.newShape(i), 'ReshapeOptions.new_shape', op.bb!.capacity()) })),
  [BuiltinOptions.ReducerOptions]: (op) => table(op, new ReducerOptions(), (o) => ({ keepDims: o.keepDims() })),
  [BuiltinOptions.SqueezeOptions]: (op) => table(op, new SqueezeOptions(), (o) => ({ squeezeDims: ints(o.squeezeDimsLength(), (i) => o.squeezeDims(i), 'SqueezeOptions.squeeze_dims', op.bb!.capacity()) })),
  [BuiltinOptions.StridedSliceOptions]: (op) => table(op, new StridedSliceOptions(), (o) => ({
    beginMask: o.beginMask(),
    endMask: o.endMask(),
    ellipsisMask: o.ellipsisMask(),
    newAxisMask: o.newAxisMask(),
    shrinkAxisMask: o.shrinkAxisMask(),
    offset: o.offset(),
  })),
  [BuiltinOptions.TransposeConvOptions]: (op) => table(op, new TransposeConvOptions(), (o) => ({ padding: o.padding(), strideW: o.strideW(), strideH: o.strideH(), activation: o.fusedActivationFunction() })),
  [BuiltinOptions.LeakyReluOptions]: (op) => table(op, new LeakyReluOptions(), (o) => ({ alpha: o.alpha() })),
  [BuiltinOptions.DepthToSpaceOptions]: (op) => table(op, new DepthToSpaceOptions(), (o) => ({ blockSize: o.blockSize() })),
  [BuiltinOptions.SpaceToDepthOptions]: (op) => table(op, new SpaceToDepthOptions(), (o) => ({ blockSize: o.blockSize() })),
  [BuiltinOptions.LocalResponseNormalizationOptions]: (op) =>
    table(op, new LocalResponseNormalizationOptions(), (o) => ({ radius: o.radius(), bias: o.bias(), alpha: o.alpha(), beta: o.beta() })),
  [BuiltinOptions.L2NormOptions]: (op) => table(op, new L2NormOptions(), (o) => ({ activation: o.fusedActivationFunction() })),
  [BuiltinOptions.GatherOptions]: (op) => table(op, new GatherOptions(), (o) => ({ axis: o.axis(), batchDims: o.batchDims() })),
  [BuiltinOptions.SplitOptions]: (op) => table(op, new SplitOptions(), (o) => ({ numSplits: o.numSplits() })),
  [BuiltinOptions.SplitVOptions]: (op) => table(op, new SplitVOptions(), (o) => ({ numSplits: o.numSplits() })),
  [BuiltinOptions.ArgMaxOptions]: (op) => table(op, new ArgMaxOptions(), (o) => ({ outputType: o.outputType() })),
  [BuiltinOptions.ArgMinOptions]: (op) => table(op, new ArgMinOptions(), (o) => ({ outputType: o.outputType() })),
  [BuiltinOptions.PackOptions]: (op) => table(op, new PackOptions(), (o) => ({ valuesCount: o.valuesCount(), axis: o.axis() })),
  [BuiltinOptions.UnpackOptions]: (op) => table(op, new UnpackOptions(), (o) => ({ num: o.num(), axis: o.axis() })),
  [BuiltinOptions.MirrorPadOptions]: (op) => table(op, new MirrorPadOptions(), (o) => ({ mode: o.mode() })),
  [BuiltinOptions.BatchMatMulOptions]: (op) => table(op, new BatchMatMulOptions(), (o) => ({ adjX: o.adjX(), adjY: o.adjY() })),
  [BuiltinOptions.GeluOptions]: (op) => table(op, new GeluOptions(), (o) => ({ approximate: o.approximate() })),
};

/**
 * Reads a .tflite flatbuffer (schema version 3) into plain records: the main subgraph's tensors (constants as
 * views of their bytes, sizes checked against shape × type), its inputs and outputs, and its operators with
 * their options decoded. Every read is bounds-checked; anything malformed is a ModelFormatError naming the
 * tensor, buffer or operator. Graph-level checks (op order, cycles) are the importer's.
 */
export function readTflite(bytes: Uint8Array): TfliteFile {
  if (bytes.length < 8) throw new ModelFormatError(`TFLite model: the file is ${bytes.length} bytes, too short for a flatbuffer`);
  if (!hasTfliteIdentifier(bytes)) throw new ModelFormatError('TFLite model: the file identifier (bytes 4..8) is not "TFL3"');
  const bb = new CheckedByteBuffer(bytes);
  const model = at('root table', () => Model.getRootAsModel(bb));
  const version = at('Model.version', () => model.version());
  if (version !== 3) throw new ModelFormatError(`TFLite model: schema version ${version}; only version 3 is supported`);
  const description = at('Model.description', () => (model.description() as string | null) ?? '');

  const opCodes = at('Model.operator_codes', () => {
    const n = model.operatorCodesLength();
    if (n * 4 > bytes.length) throw new ModelFormatError(`TFLite model: ${n} operator codes cannot fit in ${bytes.length} bytes`);
    return Array.from({ length: n }, (_, i) =>
      at(`operator code #${i}`, () => {
        const oc = model.operatorCodes(i);
        if (!oc) throw new ModelFormatError(`TFLite model: operator code #${i} is missing`);
        // Files from before builtin_code existed carry only the byte-sized deprecated code.
        const code = Math.max(oc.deprecatedBuiltinCode(), oc.builtinCode());
        const custom = code === BuiltinOperator.CUSTOM ? ((oc.customCode() as string | null) ?? '') : undefined;
        return { code, custom, version: oc.version() };
      }),
    );
  });

  const subgraphCount = at('Model.subgraphs', () => model.subgraphsLength());
  if (subgraphCount < 1) throw new ModelFormatError('TFLite model: the model has no subgraph');
  const sg = at('subgraph #0', () => model.subgraphs(0));
  if (!sg) throw new ModelFormatError('TFLite model: subgraph #0 is missing');
  const bufferCount = at('Model.buffers', () => model.buffersLength());

  const tensorCount = at('SubGraph.tensors', () => sg.tensorsLength());
  const tensors: TfliteTensor[] = [];
  for (let i = 0; i < tensorCount; i++) {
    tensors.push(
      at(`tensor #${i}`, () => {
        const t = sg.tensors(i);
        if (!t) throw new ModelFormatError(`TFLite model: tensor #${i} is missing`);
        const name = (t.name() as string | null) || `tensor_${i}`;
        const where = `tensor #${i} "${name}"`;
        return at(where, (): TfliteTensor => {
          const shape = ints(t.shapeLength(), (k) => t.shape(k), `${where}.shape`, bytes.length);
          let elements = 1;
          for (const d of shape) {
            if (!(Number.isInteger(d) && d >= 0)) throw new ModelFormatError(`TFLite model: ${where} has invalid shape [${shape.join(', ')}]`);
            elements *= d;
          }
          if (elements > MAX_ELEMENTS)
            throw new ModelFormatError(`TFLite model: ${where} shape [${shape.join(', ')}] has more than ${MAX_ELEMENTS} elements`);
          const type = t.type();
          const q = t.quantization();
          const quantization =
            q && q.scaleLength() > 0
              ? {
                  scale: ints(q.scaleLength(), (k) => q.scale(k), `${where}.quantization.scale`, bytes.length),
                  zeroPoint: zeroPoints(q, where, bytes.length),
                  dimension: q.quantizedDimension(),
                }
              : undefined;
          const bufferIndex = t.buffer();
          if (bufferIndex >= bufferCount && bufferIndex !== 0)
            throw new ModelFormatError(`TFLite model: ${where} refers to buffer ${bufferIndex}; the model has ${bufferCount}`);
          const stored = bufferIndex === 0 ? undefined : bufferData(bb, model, bufferIndex, where);
          const sp = t.sparsity();
          let data = stored;
          if (stored) {
            const size = ELEMENT_BYTES[type as TensorType];
            if (size === undefined)
              throw new ModelFormatError(`TFLite model: ${where} is a constant of type ${tensorTypeName(type)}, which sepconv cannot read`);
            if (sp) {
              if (stored.length % size !== 0) throw new ModelFormatError(`TFLite model: ${where}: sparse buffer ${bufferIndex} of ${stored.length} bytes is not a whole number of ${tensorTypeName(type)} values`);
              data = densify(sparsityOf(sp, where, bytes.length), shape, stored, size, where);
            }
            if (data!.length !== elements * size)
              throw new ModelFormatError(
                `TFLite model: ${where} (${tensorTypeName(type)} [${shape.join(', ')}]) needs ${elements * size} bytes; buffer ${bufferIndex} has ${data!.length}`,
              );
          }
          return { index: i, name, shape, type, data, quantization, isVariable: t.isVariable(), sparse: sp !== null };
        });
      }),
    );
  }

  const tensorRef = (v: number, what: string, optional: boolean) => {
    if ((optional && v === -1) || (Number.isInteger(v) && v >= 0 && v < tensorCount)) return v;
    throw new ModelFormatError(`TFLite model: ${what} refers to tensor ${v}; the subgraph has ${tensorCount}`);
  };
  const inputs = at('SubGraph.inputs', () => ints(sg.inputsLength(), (i) => sg.inputs(i), 'SubGraph.inputs', bytes.length)).map((v, i) => tensorRef(v, `subgraph input #${i}`, false));
  const outputs = at('SubGraph.outputs', () => ints(sg.outputsLength(), (i) => sg.outputs(i), 'SubGraph.outputs', bytes.length)).map((v, i) => tensorRef(v, `subgraph output #${i}`, false));

  const opCount = at('SubGraph.operators', () => sg.operatorsLength());
  const operators: TfliteOperator[] = [];
  for (let i = 0; i < opCount; i++) {
    operators.push(
      at(`operator #${i}`, (): TfliteOperator => {
        const op = sg.operators(i);
        if (!op) throw new ModelFormatError(`TFLite model: operator #${i} is missing`);
        const ci = op.opcodeIndex();
        const oc = opCodes[ci];
        if (!oc) throw new ModelFormatError(`TFLite model: operator #${i} has opcode index ${ci}; the model has ${opCodes.length} operator codes`);
        const opName = oc.custom ?? builtinName(oc.code);
        const where = `operator #${i} (${opName})`;
        return at(where, () => {
          const ins = ints(op.inputsLength(), (k) => op.inputs(k), `${where}.inputs`, bytes.length).map((v, k) => tensorRef(v, `${where} input #${k}`, true));
          const outs = ints(op.outputsLength(), (k) => op.outputs(k), `${where}.outputs`, bytes.length).map((v, k) => tensorRef(v, `${where} output #${k}`, false));
          const optionsType = op.builtinOptionsType() as BuiltinOptions;
          const reader = OPTIONS[optionsType];
          const options = reader ? reader(op) : {};
          const rawCustom = op.customOptionsArray();
          const customOptions = rawCustom ? bb.checkView(rawCustom, `${where} custom options`) : undefined;
          return { index: i, code: oc.code, opName, version: oc.version, inputs: ins, outputs: outs, options, customOptions };
        });
      }),
    );
  }
  return { version, description, subgraphCount, tensors, inputs, outputs, operators };
}

/** A SparseIndexVector union (int32, uint16 or uint8 values) as numbers; its length bounded by the file. */
function indexVector(type: SparseIndexVector, get: (empty: Int32Vector) => Int32Vector | null, what: string, bytes: number): number[] {
  // The three vector tables have the same layout (one `values` vector); only the element width differs.
  const empty =
    type === SparseIndexVector.Int32Vector ? new Int32Vector() : type === SparseIndexVector.Uint16Vector ? new Uint16Vector() : type === SparseIndexVector.Uint8Vector ? new Uint8Vector() : undefined;
  if (!empty) throw new ModelFormatError(`TFLite model: ${what} has no index vector (union type ${type})`);
  const v = get(empty as Int32Vector);
  if (!v) throw new ModelFormatError(`TFLite model: ${what} is missing`);
  return ints(v.valuesLength(), (i) => v.values(i), what, bytes);
}

function sparsityOf(sp: SparsityParameters, where: string, bytes: number): Sparsity {
  const traversalOrder = ints(sp.traversalOrderLength(), (i) => sp.traversalOrder(i), `${where}.sparsity.traversal_order`, bytes);
  const blockMap = ints(sp.blockMapLength(), (i) => sp.blockMap(i), `${where}.sparsity.block_map`, bytes);
  const n = sp.dimMetadataLength();
  if (!(n >= 0 && n * 4 <= bytes)) throw new ModelFormatError(`TFLite model: ${where}.sparsity.dim_metadata claims ${n} entries, more than the file holds`);
  const levels = Array.from({ length: n }, (_, i): SparseLevel => {
    const what = `${where}.sparsity.dim_metadata[${i}]`;
    const dm = sp.dimMetadata(i);
    if (!dm) throw new ModelFormatError(`TFLite model: ${what} is missing`);
    if (dm.format() === DimensionType.DENSE) return { format: 'dense', size: dm.denseSize() };
    if (dm.format() !== DimensionType.SPARSE_CSR) throw new ModelFormatError(`TFLite model: ${what} has format ${dm.format()}, neither DENSE nor SPARSE_CSR`);
    return {
      format: 'csr',
      segments: indexVector(dm.arraySegmentsType(), (o) => dm.arraySegments(o) as Int32Vector | null, `${what}.array_segments`, bytes),
      indices: indexVector(dm.arrayIndicesType(), (o) => dm.arrayIndices(o) as Int32Vector | null, `${what}.array_indices`, bytes),
    };
  });
  return { traversalOrder, blockMap, levels };
}

function zeroPoints(q: { zeroPointLength(): number; zeroPoint(k: number): bigint | null }, where: string, bytes: number): number[] {
  const n = q.zeroPointLength();
  if (!(n >= 0 && n * 8 <= bytes)) throw new ModelFormatError(`TFLite model: ${where}.quantization.zero_point claims ${n} entries, more than the file holds`);
  return Array.from({ length: n }, (_, k) => Number(q.zeroPoint(k) ?? 0n));
}

/** A buffer's bytes: inline `data`, or (models over 2 GB) `offset`/`size` into the file after the flatbuffer. */
function bufferData(bb: CheckedByteBuffer, model: Model, index: number, where: string): Uint8Array | undefined {
  const buf = model.buffers(index);
  if (!buf) throw new ModelFormatError(`TFLite model: ${where}: buffer ${index} is missing`);
  const inline = buf.dataArray();
  if (inline && inline.length > 0) return bb.checkView(inline, `buffer ${index} data`);
  const offset = buf.offset();
  const size = buf.size();
  if (offset === 0n || size === 0n) return undefined;
  const length = bb.bytes().length;
  if (offset > BigInt(length) || size > BigInt(length) - offset)
    throw new ModelFormatError(`TFLite model: ${where}: buffer ${index} spans bytes ${offset}..${offset + size}, outside the ${length}-byte file`);
  return bb.bytes().subarray(Number(offset), Number(offset + size));
}
