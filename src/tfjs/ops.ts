import { ModelFormatError, ShapeError, UnsupportedOpError } from '../errors.js';
import * as tf from '../tf/index.js';
import type { TfActivation, TfBuilder, TfDtype, TfPadding, TfTensor } from '../tf/index.js';
import type { Attrs } from './attrs.js';
import type { TfNode } from './model-json.js';

/** What a lowering sees: the builder, the node, its resolved inputs and attribute readers. */
export interface LowerCtx {
  readonly b: TfBuilder;
  readonly node: TfNode;
  readonly inputs: readonly TfTensor[];
  readonly attrs: Attrs;
  /** Integer values of constant input i (shape, axes, sizes…). */
  ints(i: number): number[];
}

export interface TfjsOp {
  /** Engine ops the lowering may emit, checked against the registry before any work. */
  readonly needs: (node: TfNode, attrs: Attrs) => string[];
  readonly lower: (c: LowerCtx) => TfTensor[];
}

const fixed = (...ops: string[]) => () => ops;
const one = (f: (c: LowerCtx) => TfTensor) => (c: LowerCtx) => [f(c)];
const x0 = (c: LowerCtx) => input(c, 0);

function input(c: LowerCtx, i: number): TfTensor {
  const t = c.inputs[i];
  if (!t) throw new ModelFormatError(`node "${c.node.name}" (${c.node.op}) needs input ${i}`);
  return t;
}

export const DTYPES: Record<string, TfDtype> = { DT_FLOAT: 'float32', DT_HALF: 'float32', DT_DOUBLE: 'float32', DT_INT32: 'int32', DT_INT64: 'int32', DT_BOOL: 'bool', DT_UINT8: 'int32', DT_INT8: 'int32', DT_INT16: 'int32', DT_UINT16: 'int32' };

function dtypeOf(c: { node: TfNode; attrs: Attrs }, name: string): TfDtype {
  const t = c.attrs.type(name);
  const d = DTYPES[t];
  if (!d) throw new UnsupportedOpError([{ op: c.node.op, node: c.node.name, reason: `element type ${t} is not supported` }]);
  return d;
}

function nhwc(c: LowerCtx): void {
  const f = c.attrs.string('data_format', 'NHWC');
  if (f !== 'NHWC') throw new UnsupportedOpError([{ op: c.node.op, node: c.node.name, reason: `data_format ${f} (only NHWC)` }]);
}

function spatial(c: LowerCtx, name: string, fallback: number[]): [number, number] {
  const v = c.attrs.ints(name, fallback);
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1 || v.some((x) => !(x >= 1)))
    throw new ShapeError(c.node.name, c.node.op, `${name} [${v.join(', ')}] must be [1, h, w, 1] with positive h, w`);
  return [v[1]!, v[2]!];
}

function padding(c: LowerCtx): TfPadding {
  const p = c.attrs.string('padding');
  if (p === 'SAME' || p === 'VALID') return p;
  if (p === 'EXPLICIT') {
    const e = c.attrs.ints('explicit_paddings');
    if (e.length !== 8 || e.some((x) => x < 0)) throw new ShapeError(c.node.name, c.node.op, `explicit_paddings [${e.join(', ')}] must hold 8 non-negative values`);
    return { explicit: [[e[2]!, e[3]!], [e[4]!, e[5]!]] };
  }
  throw new ShapeError(c.node.name, c.node.op, `padding "${p}" is not SAME, VALID or EXPLICIT`);
}

const ACT_OPS: Record<string, string[]> = {
  Relu: ['Relu'], Relu6: ['Clip'], Elu: ['Elu'], LeakyRelu: ['LeakyRelu'], Prelu: ['PRelu'], Sigmoid: ['Sigmoid'], Tanh: ['Tanh'],
};

/** fused_ops of _FusedConv2D / FusedDepthwiseConv2dNative / _FusedMatMul, as engine ops needed. */
function fusedNeeds(base: string[]) {
  return (node: TfNode, attrs: Attrs) => {
    const ops = attrs.strings('fused_ops');
    const extra = ops.flatMap((o) => (o === 'BiasAdd' ? [] : o === 'FusedBatchNorm' ? ['BatchNormalization'] : ACT_OPS[o] ?? [`${node.op}[${o}]`]));
    return [...base, ...extra];
  };
}

/** Splits the extra args of a fused op into bias / batch-norm params and the activation. */
function fused(c: LowerCtx, firstArg: number): { bias?: TfTensor; bn?: TfTensor[]; act: TfActivation } {
  const ops = c.attrs.strings('fused_ops');
  const numArgs = c.attrs.int('num_args', c.inputs.length - firstArg);
  const args = c.inputs.slice(firstArg, firstArg + numArgs);
  const bad = () => new UnsupportedOpError([{ op: c.node.op, node: c.node.name, reason: `fused_ops [${ops.join(', ')}] with ${numArgs} args` }]);
  let k = 0;
  let bias: TfTensor | undefined;
  let bn: TfTensor[] | undefined;
  const [first, actName, ...more] = ops;
  if (more.length) throw bad();
  if (first === 'BiasAdd') bias = args[k++];
  else if (first === 'FusedBatchNorm') {
    bn = args.slice(k, k + 4);
    k += 4;
  } else if (first !== undefined) throw bad();
  if ((first === 'BiasAdd' && !bias) || (bn && bn.length !== 4)) throw bad();
  let act: TfActivation = tf.NONE;
  switch (actName) {
    case undefined:
      break;
    case 'Relu':
      act = { kind: 'relu' };
      break;
    case 'Relu6':
      act = { kind: 'relu6' };
      break;
    case 'Sigmoid':
      act = { kind: 'sigmoid' };
      break;
    case 'Tanh':
      act = { kind: 'tanh' };
      break;
    case 'Elu':
      act = { kind: 'elu', alpha: 1 };
      break;
    case 'LeakyRelu':
      act = { kind: 'leakyRelu', alpha: c.attrs.float('leakyrelu_alpha', 0.2) };
      break;
    case 'Prelu': {
      const slope = args[k++];
      if (!slope) throw bad();
      act = { kind: 'prelu', slope };
      break;
    }
    default:
      throw bad();
  }
  return { ...(bias ? { bias } : {}), ...(bn ? { bn } : {}), act };
}

function convLike(kind: 'conv' | 'depthwise', isFused: boolean) {
  return (c: LowerCtx): TfTensor[] => {
    nhwc(c);
    const f = isFused ? fused(c, 2) : { act: tf.NONE };
    const o = { strides: spatial(c, 'strides', [1, 1, 1, 1]), dilations: spatial(c, 'dilations', [1, 1, 1, 1]), padding: padding(c) };
    const lower = kind === 'conv' ? tf.conv2d : tf.depthwiseConv2d;
    const base = c.node.name;
    if (f.bn) {
      const y = lower(c.b, base, x0(c), input(c, 1), undefined, o);
      const [scale, offset, mean, variance] = f.bn as [TfTensor, TfTensor, TfTensor, TfTensor];
      return [tf.activate(c.b, base, tf.batchNorm(c.b, base, y, scale, offset, mean, variance, c.attrs.float('epsilon', 1e-3)), f.act)];
    }
    return [lower(c.b, base, x0(c), input(c, 1), f.bias, { ...o, activation: f.act })];
  };
}

const binaryOp = (op: tf.BinaryOp) => one((c) => tf.binary(c.b, c.node.name, op, x0(c), input(c, 1)));
const unaryOp = (op: tf.UnaryOp) => one((c) => tf.unary(c.b, c.node.name, op, x0(c)));
const identity = one((c) => x0(c));

function reduceOp(kind: tf.ReduceKind): TfjsOp {
  return {
    needs: fixed(tf.ENGINE_REDUCE[kind], 'Reshape'),
    lower: one((c) => tf.reduce(c.b, c.node.name, kind, x0(c), c.ints(1), c.attrs.bool('keep_dims'))),
  };
}

function resizeOp(mode: 'bilinear' | 'nearest'): TfjsOp {
  return {
    needs: fixed('Resize'),
    lower: one((c) => tf.resize(c.b, c.node.name, x0(c), c.ints(1), { mode, alignCorners: c.attrs.bool('align_corners'), halfPixelCenters: c.attrs.bool('half_pixel_centers') })),
  };
}

const poolOp = (kind: 'max' | 'avg'): TfjsOp => ({
  needs: fixed(kind === 'max' ? 'MaxPool' : 'AveragePool'),
  lower: one((c) => {
    nhwc(c);
    return tf.pool(c.b, c.node.name, kind, x0(c), { kernel: spatial(c, 'ksize', [1, 1, 1, 1]), strides: spatial(c, 'strides', [1, 1, 1, 1]), padding: padding(c) });
  }),
});

function padPairs(c: LowerCtx): [number, number][] {
  const p = c.ints(1);
  const r = x0(c).shape.length;
  if (p.length !== 2 * r) throw new ShapeError(c.node.name, c.node.op, `paddings hold ${p.length} values for a rank-${r} input`);
  return Array.from({ length: r }, (_, i) => [p[2 * i]!, p[2 * i + 1]!]);
}

function scalarOf(c: LowerCtx, i: number): number {
  const v = c.ints(i);
  if (v.length !== 1) throw new ShapeError(c.node.name, c.node.op, `input ${i} must be a scalar, got ${v.length} values`);
  return v[0]!;
}

const layout = ['Reshape', 'Transpose'];

/** BatchMatMul / BatchMatMulV2 (V2 broadcasts the batch dims, as MatMul does). */
const batchMatMul: TfjsOp = {
  needs: fixed('MatMul', ...layout),
  lower: one((c) => tf.matmul(c.b, c.node.name, x0(c), input(c, 1), undefined, { transposeA: c.attrs.bool('adj_x'), transposeB: c.attrs.bool('adj_y') })),
};

const binaryOps = (ops: tf.BinaryOp[]): Record<string, TfjsOp> =>
  Object.fromEntries(ops.map((op) => [op, { needs: fixed(tf.BINARY[op], ...layout), lower: binaryOp(op) }]));

/** Select (a rank-1 condition picks rows) and SelectV2 (broadcasting). */
const selectOp = (rowWise: boolean): TfjsOp => ({
  needs: fixed('Where', ...layout),
  lower: one((c) => tf.select(c.b, c.node.name, x0(c), input(c, 1), input(c, 2), rowWise)),
});

/** Ops that become constants at load time (every shape is concrete): no engine op. */
const constantOps: Record<string, TfjsOp> = {
  Range: {
    needs: fixed(),
    lower: one((c) => tf.range(c.b, c.node.name, scalarOf(c, 0), scalarOf(c, 1), scalarOf(c, 2), dtypeOf(c, 'Tidx'))),
  },
  Fill: { needs: fixed('Add', ...layout), lower: one((c) => tf.fill(c.b, c.node.name, c.ints(0), input(c, 1))) },
  ZerosLike: { needs: fixed(), lower: one((c) => tf.constantLike(c.b, c.node.name, x0(c), 0)) },
  OnesLike: { needs: fixed(), lower: one((c) => tf.constantLike(c.b, c.node.name, x0(c), 1)) },
  Size: { needs: fixed(), lower: one((c) => c.b.constant(c.node.name, [], [x0(c).shape.reduce((n, d) => n * d, 1)], 'int32')) },
  SparseToDense: {
    needs: fixed(),
    lower: one((c) => tf.sparseToDense(c.b, c.node.name, x0(c), c.ints(1), input(c, 2), input(c, 3))),
  },
};

/** Every TF op the TF.js importer lowers, by GraphDef op name. */
export const TFJS_OPS: Readonly<Record<string, TfjsOp>> = {
  Identity: { needs: fixed(), lower: identity },
  StopGradient: { needs: fixed(), lower: identity },
  Snapshot: { needs: fixed(), lower: identity },
  IdentityN: { needs: fixed(), lower: (c) => [...c.inputs] },
  Conv2D: { needs: fixed('Conv', ...layout), lower: convLike('conv', false) },
  _FusedConv2D: { needs: fusedNeeds(['Conv', ...layout]), lower: convLike('conv', true) },
  DepthwiseConv2dNative: { needs: fixed('Conv', ...layout), lower: convLike('depthwise', false) },
  FusedDepthwiseConv2dNative: { needs: fusedNeeds(['Conv', ...layout]), lower: convLike('depthwise', true) },
  Conv2DBackpropInput: {
    needs: fixed('ConvTranspose', ...layout),
    lower: one((c) => {
      nhwc(c);
      const o = { strides: spatial(c, 'strides', [1, 1, 1, 1]), dilations: spatial(c, 'dilations', [1, 1, 1, 1]), padding: padding(c) };
      return tf.transposeConv2d(c.b, c.node.name, input(c, 2), input(c, 1), c.ints(0), undefined, o);
    }),
  },
  MatMul: {
    needs: fixed('Gemm', 'MatMul', 'Add', ...layout),
    lower: one((c) => tf.matmul(c.b, c.node.name, x0(c), input(c, 1), undefined, { transposeA: c.attrs.bool('transpose_a'), transposeB: c.attrs.bool('transpose_b') })),
  },
  BatchMatMul: batchMatMul,
  BatchMatMulV2: batchMatMul,
  _FusedMatMul: {
    needs: fusedNeeds(['Gemm', 'MatMul', 'Add', ...layout]),
    lower: one((c) => {
      const f = fused(c, 2);
      if (f.bn) throw new UnsupportedOpError([{ op: c.node.op, node: c.node.name, reason: 'FusedBatchNorm in a MatMul' }]);
      return tf.matmul(c.b, c.node.name, x0(c), input(c, 1), f.bias, { transposeA: c.attrs.bool('transpose_a'), transposeB: c.attrs.bool('transpose_b'), activation: f.act });
    }),
  },
  BiasAdd: { needs: fixed('Add', ...layout), lower: one((c) => (nhwc(c), tf.biasAdd(c.b, c.node.name, x0(c), input(c, 1)))) },
  FusedBatchNorm: {
    needs: fixed('BatchNormalization', 'Sub', 'Div', 'Add', 'Mul', 'Sqrt', ...layout),
    lower: one((c) => (nhwc(c), tf.batchNorm(c.b, c.node.name, x0(c), input(c, 1), input(c, 2), input(c, 3), input(c, 4), c.attrs.float('epsilon', 1e-3)))),
  },
  Add: { needs: fixed('Add', ...layout), lower: binaryOp('Add') },
  AddV2: { needs: fixed('Add', ...layout), lower: binaryOp('Add') },
  AddN: { needs: fixed('Add', ...layout), lower: one((c) => tf.nary(c.b, c.node.name, 'Add', c.inputs)) },
  Sub: { needs: fixed('Sub', ...layout), lower: binaryOp('Sub') },
  Mul: { needs: fixed('Mul', ...layout), lower: binaryOp('Mul') },
  RealDiv: { needs: fixed('Div', ...layout), lower: binaryOp('Div') },
  Div: { needs: fixed('Div', ...layout), lower: binaryOp('Div') },
  Maximum: { needs: fixed('Max', ...layout), lower: binaryOp('Max') },
  ...binaryOps(['FloorMod', 'Atan2', 'Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'LogicalAnd', 'LogicalOr']),
  LogicalNot: { needs: fixed('Not'), lower: unaryOp('Not') },
  Sin: { needs: fixed('Sin'), lower: unaryOp('Sin') },
  Cos: { needs: fixed('Cos'), lower: unaryOp('Cos') },
  Select: selectOp(true),
  SelectV2: selectOp(false),
  ...constantOps,
  Minimum: { needs: fixed('Min', ...layout), lower: binaryOp('Min') },
  SquaredDifference: { needs: fixed('Sub', 'Mul', ...layout), lower: one((c) => tf.squaredDifference(c.b, c.node.name, x0(c), input(c, 1))) },
  FloorDiv: { needs: fixed('Div', 'Floor', 'Sub', 'FloorMod', ...layout), lower: one((c) => tf.floorDiv(c.b, c.node.name, x0(c), input(c, 1))) },
  Relu: { needs: fixed('Relu'), lower: unaryOp('Relu') },
  Relu6: { needs: fixed('Clip'), lower: one((c) => tf.clip(c.b, c.node.name, x0(c), 0, 6)) },
  Elu: { needs: fixed('Elu'), lower: one((c) => tf.activate(c.b, c.node.name, x0(c), { kind: 'elu', alpha: 1 })) },
  LeakyRelu: { needs: fixed('LeakyRelu'), lower: one((c) => tf.activate(c.b, c.node.name, x0(c), { kind: 'leakyRelu', alpha: c.attrs.float('alpha', 0.2) })) },
  Prelu: { needs: fixed('PRelu', ...layout), lower: one((c) => tf.activate(c.b, c.node.name, x0(c), { kind: 'prelu', slope: input(c, 1) })) },
  Sigmoid: { needs: fixed('Sigmoid'), lower: unaryOp('Sigmoid') },
  Tanh: { needs: fixed('Tanh'), lower: unaryOp('Tanh') },
  Exp: { needs: fixed('Exp'), lower: unaryOp('Exp') },
  Sqrt: { needs: fixed('Sqrt'), lower: unaryOp('Sqrt') },
  Rsqrt: { needs: fixed('Sqrt', 'Reciprocal'), lower: one((c) => tf.rsqrt(c.b, c.node.name, x0(c))) },
  Reciprocal: { needs: fixed('Reciprocal'), lower: unaryOp('Reciprocal') },
  Square: { needs: fixed('Mul'), lower: one((c) => tf.square(c.b, c.node.name, x0(c))) },
  Abs: { needs: fixed('Abs'), lower: unaryOp('Abs') },
  Neg: { needs: fixed('Neg'), lower: unaryOp('Neg') },
  Floor: { needs: fixed('Floor'), lower: unaryOp('Floor') },
  MaxPool: poolOp('max'),
  AvgPool: poolOp('avg'),
  Mean: reduceOp('Mean'),
  Sum: reduceOp('Sum'),
  Max: reduceOp('Max'),
  Min: reduceOp('Min'),
  Prod: reduceOp('Prod'),
  Pad: { needs: fixed('Pad'), lower: one((c) => tf.pad(c.b, c.node.name, x0(c), padPairs(c))) },
  PadV2: { needs: fixed('Pad'), lower: one((c) => tf.pad(c.b, c.node.name, x0(c), padPairs(c), scalarOf(c, 2))) },
  MirrorPad: {
    needs: fixed('Pad'),
    lower: one((c) => {
      const mode = c.attrs.string('mode');
      return tf.pad(c.b, c.node.name, x0(c), padPairs(c), 0, mode === 'REFLECT' ? 'reflect' : 'symmetric');
    }),
  },
  ConcatV2: {
    needs: fixed('Concat', ...layout),
    lower: one((c) => tf.concat(c.b, c.node.name, c.inputs.slice(0, -1), scalarOf(c, c.inputs.length - 1))),
  },
  Concat: { needs: fixed('Concat', ...layout), lower: one((c) => tf.concat(c.b, c.node.name, c.inputs.slice(1), scalarOf(c, 0))) },
  Reshape: { needs: fixed(...layout), lower: one((c) => tf.reshape(c.b, c.node.name, x0(c), c.ints(1))) },
  Squeeze: { needs: fixed(...layout), lower: one((c) => tf.squeeze(c.b, c.node.name, x0(c), c.attrs.ints('squeeze_dims', []))) },
  ExpandDims: { needs: fixed(...layout), lower: one((c) => tf.expandDims(c.b, c.node.name, x0(c), scalarOf(c, 1))) },
  StridedSlice: {
    needs: fixed('Slice', ...layout),
    lower: one((c) =>
      tf.stridedSlice(c.b, c.node.name, x0(c), c.ints(1), c.ints(2), c.ints(3), {
        beginMask: c.attrs.int('begin_mask', 0),
        endMask: c.attrs.int('end_mask', 0),
        ellipsisMask: c.attrs.int('ellipsis_mask', 0),
        newAxisMask: c.attrs.int('new_axis_mask', 0),
        shrinkAxisMask: c.attrs.int('shrink_axis_mask', 0),
      }),
    ),
  },
  Slice: { needs: fixed('Slice', ...layout), lower: one((c) => tf.slice(c.b, c.node.name, x0(c), c.ints(1), c.ints(2))) },
  Pack: { needs: fixed('Concat', ...layout), lower: one((c) => tf.pack(c.b, c.node.name, c.inputs, c.attrs.int('axis', 0))) },
  Split: { needs: fixed('Slice', ...layout), lower: (c) => tf.split(c.b, c.node.name, input(c, 1), c.attrs.int('num_split'), scalarOf(c, 0)) },
  SplitV: { needs: fixed('Slice', ...layout), lower: (c) => tf.splitV(c.b, c.node.name, x0(c), c.ints(1), scalarOf(c, 2)) },
  Tile: { needs: fixed('Concat', ...layout), lower: one((c) => tf.tile(c.b, c.node.name, x0(c), c.ints(1))) },
  TopKV2: {
    needs: fixed('TopK', ...layout),
    lower: (c) => {
      if (!c.attrs.bool('sorted', true)) throw new UnsupportedOpError([{ op: c.node.op, node: c.node.name, reason: 'sorted=false' }]);
      return tf.topK(c.b, c.node.name, x0(c), scalarOf(c, 1));
    },
  },
  Unpack: { needs: fixed('Slice', ...layout), lower: (c) => tf.unpack(c.b, c.node.name, x0(c), c.attrs.int('axis', 0)) },
  Transpose: { needs: fixed('Transpose'), lower: one((c) => tf.transpose(c.b, c.node.name, x0(c), c.ints(1))) },
  ResizeBilinear: resizeOp('bilinear'),
  ResizeNearestNeighbor: resizeOp('nearest'),
  DepthToSpace: {
    needs: fixed('DepthToSpace'),
    lower: one((c) => (nhwc(c), tf.depthToSpace(c.b, c.node.name, x0(c), c.attrs.int('block_size')))),
  },
  Softmax: { needs: fixed('Softmax'), lower: one((c) => tf.softmax(c.b, c.node.name, x0(c))) },
  Cast: { needs: fixed('Cast'), lower: one((c) => tf.cast(c.b, c.node.name, x0(c), dtypeOf(c, 'DstT'))) },
  Shape: {
    needs: fixed(),
    lower: one((c) => c.b.ints(`${c.node.name}::shape`, x0(c).shape)),
  },
  ArgMax: { needs: fixed('ArgMax', ...layout), lower: one((c) => tf.argMax(c.b, c.node.name, x0(c), scalarOf(c, 1))) },
  GatherV2: {
    needs: fixed('Gather', ...layout),
    lower: one((c) => {
      if (c.attrs.int('batch_dims', 0) !== 0) throw new UnsupportedOpError([{ op: c.node.op, node: c.node.name, reason: 'batch_dims != 0' }]);
      return tf.gather(c.b, c.node.name, x0(c), input(c, 1), scalarOf(c, 2));
    }),
  },
  GatherNd: { needs: fixed('GatherND', ...layout), lower: one((c) => tf.gatherNd(c.b, c.node.name, x0(c), input(c, 1))) },
};

export const outputDtype = (c: { node: TfNode; attrs: Attrs; inputs: readonly TfTensor[] }): TfDtype | undefined =>
  c.node.op === 'Cast' ? dtypeOf(c, 'DstT') : c.node.op === 'ArgMax' || c.node.op === 'Shape' ? 'int32' : undefined;

export { dtypeOf };
