// One small model per TFLite builtin (one operator, written with the flatbuffers object API), run by sepconv on
// the CPU and on WebGPU (Node/Dawn) and by LiteRT.js (wasm: XNNPACK and TFLite's builtin kernels) in headless
// Chromium on the same inputs; LiteRT.js outputs are cached (test/support/tflite-op-ref.ts), so the browser
// starts once for all cases and only when one is new. The output shapes declared in each model are the ones
// sepconv computes; LiteRT.js recomputes its own, and the test compares them.
// Tolerance per output: max |y − ref| ≤ 1e-5 · max(1, max |ref|) (TOL below; transcendental ops on the GPU
// differ from XNNPACK's by a few float32 ulps).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { resolve } from '../src/graph/resolve.js';
import { load } from '../src/model.js';
import { loadTflite } from '../src/tflite/import.js';
import {
  ActivationFunctionType,
  ArgMaxOptionsT,
  ArgMinOptionsT,
  BatchMatMulOptionsT,
  BuiltinOperator as Op,
  BuiltinOptions as O,
  ConcatenationOptionsT,
  Conv2DOptionsT,
  DepthToSpaceOptionsT,
  DepthwiseConv2DOptionsT,
  FullyConnectedOptionsT,
  GatherOptionsT,
  GeluOptionsT,
  L2NormOptionsT,
  LeakyReluOptionsT,
  LocalResponseNormalizationOptionsT,
  MirrorPadOptionsT,
  PackOptionsT,
  Padding,
  Pool2DOptionsT,
  ReducerOptionsT,
  ResizeBilinearOptionsT,
  ResizeNearestNeighborOptionsT,
  ShapeOptionsT,
  SoftmaxOptionsT,
  SpaceToDepthOptionsT,
  SplitOptionsT,
  SplitVOptionsT,
  SqueezeOptionsT,
  StridedSliceOptionsT,
  TensorType,
  TransposeConvOptionsT,
  UnpackOptionsT,
  type OperatorT,
} from '../src/tflite/schema/tflite_generated.js';
import { getTestDevice } from './support/gpu.js';
import { buildTflite, f32, i32, type ModelSpec, type TensorSpec } from './support/tflite-build.js';
import { opReferences, type OpOutput } from './support/tflite-op-ref.js';

const TOL = 1e-5;

/** A runtime float32 input of this shape, or a constant. */
type In = number[] | { shape: number[]; i32?: number[]; f32?: number[] };

interface Case {
  name: string;
  op: Op;
  ins: In[];
  outs?: number;
  outType?: TensorType;
  options?: [O, OperatorT['builtinOptions']];
  version?: number;
  /** Inputs multiplied by this (default 1). */
  scale?: number;
  /** Inputs are multiples of 0.5 in [-4, 4] (ties for ROUND). */
  halves?: boolean;
  /** Inputs drawn from [0.1, 2.1) instead of [-2, 2) (log, sqrt, rsqrt). */
  positive?: boolean;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const seq = (n: number) => Array.from({ length: n }, (_, i) => i);

function rand(n: number, seed: number, positive: boolean): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    const u = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    return positive ? 0.1 + 2 * u : 4 * u - 2;
  });
}

const ss = (begin: number[], end: number[], strides: number[], m: Partial<StridedSliceOptionsT> = {}, x: number[] = [2, 5, 6, 4]): Case => ({
  name: `STRIDED_SLICE ${JSON.stringify({ begin, end, strides, ...m })}`,
  op: Op.STRIDED_SLICE,
  ins: [x, { shape: [begin.length], i32: begin }, { shape: [end.length], i32: end }, { shape: [strides.length], i32: strides }],
  options: [O.StridedSliceOptions, new StridedSliceOptionsT(m.beginMask, m.endMask, m.ellipsisMask, m.newAxisMask, m.shrinkAxisMask, m.offset)],
});
const unaryCase = (name: string, op: Op, positive = false): Case => ({ name, op, ins: [[2, 3, 5, 7]], positive });
const binaryCase = (name: string, op: Op, b: number[] = [5, 7]): Case => ({ name, op, ins: [[2, 3, 5, 7], b] });
const reduceCase = (op: Op, axes: number[], keep: boolean): Case => ({
  name: `${Op[op]} axes [${axes}] keep_dims ${keep}`,
  op,
  ins: [[2, 4, 5, 3], { shape: [axes.length], i32: axes }],
  options: [O.ReducerOptions, new ReducerOptionsT(keep)],
});

const CASES: Case[] = [
  ss([0, 1, 0, 1], [2, 5, 6, 4], [1, 2, 1, 2]),
  ss([1, -4, 5, 0], [0, 0, -7, 3], [1, 1, -2, 1], { beginMask: 0, endMask: 0b0011, shrinkAxisMask: 0b0001 }),
  ss([0, 0, 1], [0, 0, 3], [1, 1, 1], { ellipsisMask: 0b0001, newAxisMask: 0b0010 }),
  ss([0, 1, 1, 0], [1, 3, 4, 4], [1, 1, 1, 1], { offset: true }),
  ss([0, 0], [1, 0], [1, 1], { shrinkAxisMask: 0b0001, endMask: 0b0010 }, [4, 9]),
  { name: 'SLICE', op: Op.SLICE, ins: [[2, 5, 6, 4], { shape: [4], i32: [1, 1, 2, 0] }, { shape: [4], i32: [1, -1, 3, 2] }] },
  { name: 'SPLIT axis 3 in 2', op: Op.SPLIT, ins: [{ shape: [], i32: [3] }, [1, 4, 5, 6]], outs: 2, options: [O.SplitOptions, new SplitOptionsT(2)] },
  { name: 'SPLIT axis -3 in 3', op: Op.SPLIT, ins: [{ shape: [], i32: [-3] }, [2, 6, 5, 4]], outs: 3, options: [O.SplitOptions, new SplitOptionsT(3)] },
  { name: 'SPLIT_V [2, -1, 1]', op: Op.SPLIT_V, ins: [[1, 3, 7, 6], { shape: [3], i32: [2, -1, 1] }, { shape: [], i32: [3] }], outs: 3, options: [O.SplitVOptions, new SplitVOptionsT(3)] },
  { name: 'GATHER axis 1', op: Op.GATHER, ins: [[2, 5, 3], { shape: [2, 2], i32: [4, 0, 2, 2] }], options: [O.GatherOptions, new GatherOptionsT(1, 0)] },
  { name: 'GATHER axis 0, 1-D', op: Op.GATHER, ins: [[6, 4], { shape: [3], i32: [5, 1, 3] }], options: [O.GatherOptions, new GatherOptionsT(0, 0)] },
  { name: 'GATHER_ND', op: Op.GATHER_ND, ins: [[4, 3, 2], { shape: [2, 2], i32: [3, 1, 0, 2] }] },
  { name: 'PACK axis 1', op: Op.PACK, ins: [[3, 4], [3, 4], [3, 4]], options: [O.PackOptions, new PackOptionsT(3, 1)] },
  { name: 'UNPACK axis 2', op: Op.UNPACK, ins: [[2, 3, 3, 2]], outs: 3, options: [O.UnpackOptions, new UnpackOptionsT(3, 2)] },
  reduceCase(Op.MEAN, [1, 2], true),
  reduceCase(Op.MEAN, [-1], false),
  reduceCase(Op.SUM, [0, 3], false),
  reduceCase(Op.REDUCE_MAX, [1], true),
  reduceCase(Op.REDUCE_MIN, [2, 3], false),
  binaryCase('SQUARED_DIFFERENCE', Op.SQUARED_DIFFERENCE),
  binaryCase('ADD broadcast', Op.ADD, [3, 1, 7]),
  binaryCase('SUB', Op.SUB),
  binaryCase('MUL', Op.MUL, [1, 1, 5, 1]),
  { name: 'DIV', op: Op.DIV, ins: [[2, 3, 5, 7], { shape: [7], f32: [1.5, -2, 0.25, 3, -0.5, 1, 7] }] },
  binaryCase('MAXIMUM', Op.MAXIMUM),
  binaryCase('MINIMUM', Op.MINIMUM),
  { name: 'FLOOR_DIV', op: Op.FLOOR_DIV, ins: [[2, 3, 5, 7], { shape: [], f32: [0.7] }] },
  { name: 'FLOOR_MOD', op: Op.FLOOR_MOD, ins: [[2, 3, 5, 7], { shape: [7], f32: [0.7, -0.7, 1.5, -1.25, 3, 0.3, -2] }] },
  { name: 'ADD_N', op: Op.ADD_N, ins: [[3, 5], [3, 5], [3, 5]] },
  unaryCase('RSQRT', Op.RSQRT, true),
  unaryCase('SQRT', Op.SQRT, true),
  unaryCase('LOG', Op.LOG, true),
  unaryCase('ABS', Op.ABS),
  unaryCase('NEG', Op.NEG),
  unaryCase('EXP', Op.EXP),
  unaryCase('SQUARE', Op.SQUARE),
  unaryCase('FLOOR', Op.FLOOR),
  unaryCase('CEIL', Op.CEIL),
  { name: 'ROUND (halves to even)', op: Op.ROUND, ins: [[4, 6]], halves: true },
  unaryCase('SIN', Op.SIN),
  unaryCase('COS', Op.COS),
  { name: 'SIN of [-100, 100]', op: Op.SIN, ins: [[6, 50]], scale: 50 },
  { name: 'COS of [-100, 100]', op: Op.COS, ins: [[6, 50]], scale: 50 },
  unaryCase('SIGN', Op.SIGN),
  { name: 'POW (positive base)', op: Op.POW, ins: [[2, 3, 5], [5]], positive: true },
  { name: 'POW (negative base, integer exponents)', op: Op.POW, ins: [[2, 3, 5], { shape: [5], f32: [2, 3, 0, -1, 1] }] },
  unaryCase('ELU', Op.ELU),
  unaryCase('TANH', Op.TANH),
  unaryCase('LOGISTIC', Op.LOGISTIC),
  unaryCase('HARD_SWISH', Op.HARD_SWISH),
  unaryCase('RELU', Op.RELU),
  unaryCase('RELU6', Op.RELU6),
  unaryCase('RELU_N1_TO_1', Op.RELU_N1_TO_1),
  unaryCase('RELU_0_TO_1', Op.RELU_0_TO_1),
  { name: 'GELU exact', op: Op.GELU, ins: [[2, 3, 5, 7]], options: [O.GeluOptions, new GeluOptionsT(false)] },
  { name: 'GELU tanh approximation', op: Op.GELU, ins: [[2, 3, 5, 7]], options: [O.GeluOptions, new GeluOptionsT(true)] },
  { name: 'LEAKY_RELU', op: Op.LEAKY_RELU, ins: [[2, 3, 5, 7]], options: [O.LeakyReluOptions, new LeakyReluOptionsT(0.2)] },
  { name: 'PRELU', op: Op.PRELU, ins: [[2, 3, 5, 7], { shape: [1, 1, 7], f32: [0.1, -0.2, 0.3, 0.5, 1.5, 0, 2] }] },
  { name: 'SOFTMAX beta 0.5', op: Op.SOFTMAX, ins: [[3, 10]], options: [O.SoftmaxOptions, new SoftmaxOptionsT(0.5)] },
  { name: 'LOG_SOFTMAX', op: Op.LOG_SOFTMAX, ins: [[2, 3, 10]] },
  { name: 'LOCAL_RESPONSE_NORMALIZATION radius 2', op: Op.LOCAL_RESPONSE_NORMALIZATION, ins: [[1, 3, 4, 7]], options: [O.LocalResponseNormalizationOptions, new LocalResponseNormalizationOptionsT(2, 1.5, 0.3, 0.75)] },
  { name: 'L2_NORMALIZATION', op: Op.L2_NORMALIZATION, ins: [[2, 3, 6]], options: [O.L2NormOptions, new L2NormOptionsT(ActivationFunctionType.NONE)] },
  { name: 'PAD', op: Op.PAD, ins: [[1, 3, 4, 2], { shape: [4, 2], i32: [0, 0, 1, 2, 2, 0, 0, 1] }] },
  { name: 'PADV2 value 0.75', op: Op.PADV2, ins: [[2, 3, 4], { shape: [3, 2], i32: [1, 0, 0, 2, 1, 1] }, { shape: [1], f32: [0.75] }] },
  { name: 'MIRROR_PAD REFLECT', op: Op.MIRROR_PAD, ins: [[1, 4, 5, 2], { shape: [4, 2], i32: [0, 0, 2, 1, 1, 3, 0, 0] }], options: [O.MirrorPadOptions, new MirrorPadOptionsT(0)] },
  { name: 'BATCH_MATMUL', op: Op.BATCH_MATMUL, ins: [[2, 3, 4], [2, 4, 5]], options: [O.BatchMatMulOptions, new BatchMatMulOptionsT(false, false)] },
  { name: 'BATCH_MATMUL adj_y, broadcast batch', op: Op.BATCH_MATMUL, ins: [[2, 2, 3, 4], [1, 5, 4]], options: [O.BatchMatMulOptions, new BatchMatMulOptionsT(false, true)] },
  { name: 'BATCH_MATMUL adj_x', op: Op.BATCH_MATMUL, ins: [[3, 4, 2], { shape: [3, 4, 5], f32: Array.from(rand(60, 9, false)) }], options: [O.BatchMatMulOptions, new BatchMatMulOptionsT(true, false)] },
  {
    name: 'FULLY_CONNECTED keep_num_dims',
    op: Op.FULLY_CONNECTED,
    ins: [[2, 3, 6], { shape: [4, 6], f32: Array.from(rand(24, 3, false)) }, { shape: [4], f32: [0.5, -1, 0, 2] }],
    options: [O.FullyConnectedOptions, new FullyConnectedOptionsT(ActivationFunctionType.RELU, 0, true)],
  },
  {
    name: 'FULLY_CONNECTED flattening',
    op: Op.FULLY_CONNECTED,
    ins: [[2, 3, 6], { shape: [5, 6], f32: Array.from(rand(30, 4, false)) }],
    options: [O.FullyConnectedOptions, new FullyConnectedOptionsT(ActivationFunctionType.NONE, 0, false)],
  },
  { name: 'TRANSPOSE', op: Op.TRANSPOSE, ins: [[2, 3, 4, 5], { shape: [4], i32: [3, 0, 2, 1] }] },
  { name: 'RESHAPE', op: Op.RESHAPE, ins: [[2, 3, 4], { shape: [2], i32: [4, -1] }] },
  { name: 'SQUEEZE', op: Op.SQUEEZE, ins: [[1, 3, 1, 4]], options: [O.SqueezeOptions, new SqueezeOptionsT([2])] },
  { name: 'EXPAND_DIMS', op: Op.EXPAND_DIMS, ins: [[3, 4], { shape: [1], i32: [-1] }] },
  { name: 'TILE', op: Op.TILE, ins: [[2, 3, 2], { shape: [3], i32: [2, 1, 3] }] },
  { name: 'BROADCAST_TO', op: Op.BROADCAST_TO, ins: [[3, 1], { shape: [3], i32: [2, 3, 4] }], version: 2 },
  { name: 'REVERSE_V2 axes [1, 2]', op: Op.REVERSE_V2, ins: [[2, 3, 4], { shape: [2], i32: [1, 2] }] },
  { name: 'REVERSE_V2 axis 0', op: Op.REVERSE_V2, ins: [[3, 2, 4], { shape: [1], i32: [0] }] },
  { name: 'CONCATENATION axis 2', op: Op.CONCATENATION, ins: [[2, 3, 4, 2], [2, 3, 1, 2]], options: [O.ConcatenationOptions, new ConcatenationOptionsT(2, ActivationFunctionType.NONE)] },
  { name: 'DEPTH_TO_SPACE', op: Op.DEPTH_TO_SPACE, ins: [[1, 2, 3, 8]], options: [O.DepthToSpaceOptions, new DepthToSpaceOptionsT(2)] },
  { name: 'SPACE_TO_DEPTH', op: Op.SPACE_TO_DEPTH, ins: [[1, 4, 6, 3]], options: [O.SpaceToDepthOptions, new SpaceToDepthOptionsT(2)] },
  { name: 'ARG_MAX', op: Op.ARG_MAX, ins: [[2, 5, 7], { shape: [], i32: [1] }], outType: TensorType.INT32, options: [O.ArgMaxOptions, new ArgMaxOptionsT(TensorType.INT32)] },
  { name: 'ARG_MIN', op: Op.ARG_MIN, ins: [[2, 5, 7], { shape: [], i32: [-1] }], outType: TensorType.INT32, options: [O.ArgMinOptions, new ArgMinOptionsT(TensorType.INT32)] },
  { name: 'CAST to int32', op: Op.CAST, ins: [[3, 7]], outType: TensorType.INT32 },
  { name: 'RESIZE_BILINEAR half-pixel', op: Op.RESIZE_BILINEAR, ins: [[1, 3, 4, 2], { shape: [2], i32: [5, 7] }], options: [O.ResizeBilinearOptions, new ResizeBilinearOptionsT(false, true)] },
  { name: 'RESIZE_BILINEAR align corners', op: Op.RESIZE_BILINEAR, ins: [[1, 3, 4, 2], { shape: [2], i32: [6, 8] }], options: [O.ResizeBilinearOptions, new ResizeBilinearOptionsT(true, false)] },
  { name: 'RESIZE_NEAREST_NEIGHBOR', op: Op.RESIZE_NEAREST_NEIGHBOR, ins: [[1, 3, 4, 2], { shape: [2], i32: [6, 8] }], options: [O.ResizeNearestNeighborOptions, new ResizeNearestNeighborOptionsT(false, true)] },
  { name: 'AVERAGE_POOL_2D SAME', op: Op.AVERAGE_POOL_2D, ins: [[1, 5, 6, 3]], options: [O.Pool2DOptions, new Pool2DOptionsT(Padding.SAME, 2, 2, 3, 3)] },
  { name: 'L2_POOL_2D SAME', op: Op.L2_POOL_2D, ins: [[1, 5, 6, 3]], options: [O.Pool2DOptions, new Pool2DOptionsT(Padding.SAME, 2, 2, 3, 2)] },
  { name: 'SPACE_TO_BATCH_ND', op: Op.SPACE_TO_BATCH_ND, ins: [[2, 5, 4, 3], { shape: [2], i32: [2, 3] }, { shape: [2, 2], i32: [1, 0, 1, 1] }] },
  { name: 'BATCH_TO_SPACE_ND', op: Op.BATCH_TO_SPACE_ND, ins: [[12, 3, 2, 3], { shape: [2], i32: [2, 3] }, { shape: [2, 2], i32: [1, 0, 0, 2] }] },
  { name: 'ZEROS_LIKE', op: Op.ZEROS_LIKE, ins: [[3, 4]] },
  { name: 'MAX_POOL_2D VALID', op: Op.MAX_POOL_2D, ins: [[1, 5, 6, 3]], options: [O.Pool2DOptions, new Pool2DOptionsT(Padding.VALID, 2, 1, 2, 3)] },
  {
    name: 'CONV_2D stride 2, dilation 2, SAME, RELU6',
    op: Op.CONV_2D,
    ins: [[1, 9, 8, 3], { shape: [4, 3, 3, 3], f32: Array.from(rand(108, 6, false)) }, { shape: [4], f32: [0.1, -0.2, 0.3, 0] }],
    options: [O.Conv2DOptions, new Conv2DOptionsT(Padding.SAME, 2, 1, ActivationFunctionType.RELU6, 2, 2)],
  },
  {
    name: 'DEPTHWISE_CONV_2D depth multiplier 2, VALID',
    op: Op.DEPTHWISE_CONV_2D,
    ins: [[1, 6, 7, 2], { shape: [1, 3, 2, 4], f32: Array.from(rand(24, 7, false)) }, { shape: [4], f32: [0.5, 0, -0.5, 1] }],
    options: [O.DepthwiseConv2DOptions, new DepthwiseConv2DOptionsT(Padding.VALID, 1, 2, 2, ActivationFunctionType.NONE, 1, 1)],
  },
  {
    name: 'TRANSPOSE_CONV',
    op: Op.TRANSPOSE_CONV,
    ins: [{ shape: [4], i32: [1, 7, 9, 2] }, { shape: [2, 3, 3, 3], f32: Array.from(rand(54, 5, false)) }, [1, 4, 5, 3]],
    options: [O.TransposeConvOptions, new TransposeConvOptionsT(Padding.SAME, 2, 2)],
  },
];

/** The model for a case with the given output shapes (one output tensor per op output). */
function model(c: Case, outShapes: number[][]): ModelSpec {
  const tensors: TensorSpec[] = c.ins.map((x, k) =>
    Array.isArray(x)
      ? { name: `x${k}`, shape: x }
      : x.i32
        ? { name: `c${k}`, shape: x.shape, type: TensorType.INT32, data: i32(x.i32) }
        : { name: `c${k}`, shape: x.shape, data: f32(x.f32!) },
  );
  const outs = outShapes.map((shape, k) => ({ name: `y${k}`, shape, type: c.outType ?? TensorType.FLOAT32 }));
  return {
    tensors: [...tensors, ...outs],
    ops: [{ op: c.op, inputs: seq(tensors.length), outputs: outs.map((_, k) => tensors.length + k), optionsType: c.options?.[0], options: c.options?.[1], version: c.version }],
    inputs: c.ins.flatMap((x, k) => (Array.isArray(x) ? [k] : [])),
    outputs: outs.map((_, k) => tensors.length + k),
  };
}

function inputsOf(c: Case, i: number) {
  const data = (x: number[], k: number) => {
    const r = rand(size(x), 17 * i + k, c.positive === true);
    return c.halves ? r.map((v) => Math.round(v * 4) / 2) : r.map((v) => v * (c.scale ?? 1));
  };
  return c.ins.flatMap((x, k) => (Array.isArray(x) ? [{ name: `x${k}`, shape: x, data: data(x, k) }] : []));
}

/** The case's model with the output shapes sepconv computes (declared shapes are checked unless inputs are given). */
function built(c: Case, i: number): Uint8Array {
  const ins = inputsOf(c, i);
  const draft = buildTflite(model(c, new Array(c.outs ?? 1).fill([])));
  const g = loadTflite(draft, { inputShapes: Object.fromEntries(ins.map((x) => [x.name, x.shape])) });
  const y = runCpu(resolve(g, {}), Object.fromEntries(ins.map((x) => [x.name, x.data])));
  return buildTflite(model(c, g.outputs.map((o) => [...y.get(o)!.shape])));
}

let refs: (OpOutput[] | { error: string })[];
/** Each case's model, or why sepconv could not build it (reported by that case's test). */
const models: (Uint8Array | Error)[] = [];
const worst: string[] = [];

beforeAll(async () => {
  CASES.forEach((c, i) => {
    try {
      models.push(built(c, i));
    } catch (e) {
      models.push(e as Error);
    }
  });
  const ok = CASES.flatMap((c, i) => (models[i] instanceof Uint8Array ? [i] : []));
  const got = await opReferences(ok.map((i) => ({ model: models[i] as Uint8Array, inputs: inputsOf(CASES[i]!, i).map(({ shape, data }) => ({ shape, data })) })));
  refs = CASES.map((_, i) => got[ok.indexOf(i)] ?? { error: 'not run' });
}, 300_000);

afterAll(() => console.log(`[tflite-builtins] worst error vs LiteRT.js per case and backend:\n${worst.join('\n')}`));

describe('TFLite builtins vs LiteRT.js', () => {
  CASES.forEach((c, i) => {
    it(`${c.name} (CPU and WebGPU)`, async () => {
      const bytes = models[i]!;
      if (bytes instanceof Error) throw bytes;
      const ref = refs[i]!;
      if ('error' in ref) throw new Error(`LiteRT.js failed on the ${c.name} model: ${ref.error}`);
      const ins = inputsOf(c, i);
      for (const backend of ['cpu', 'webgpu'] as const) {
        const m = await load(bytes, backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() });
        try {
          const ys = await m.run(Object.fromEntries(ins.map((x) => [x.name, { shape: x.shape, data: x.data }])));
          expect(ys.size).toBe(ref.length);
          let err = 0;
          ref.forEach((r, k) => {
            const y = ys.get(`y${k}`)!;
            expect(y.shape, `${backend} y${k}`).toEqual(r.shape);
            let maxRef = 0;
            let e = 0;
            for (let j = 0; j < r.data.length; j++) {
              maxRef = Math.max(maxRef, Math.abs(r.data[j]!));
              const d = Math.abs(y.data[j]! - r.data[j]!);
              e = Number.isNaN(d) ? Infinity : Math.max(e, d);
            }
            expect(e, `${backend} y${k}`).toBeLessThanOrEqual(TOL * Math.max(1, maxRef));
            err = Math.max(err, e);
          });
          worst.push(`  ${c.name.padEnd(60)} ${backend.padEnd(6)} ${err.toExponential(2)}`);
        } finally {
          m.dispose();
        }
      }
    }, 60_000);
  });
});

// LiteRT.js computes the output of SHAPE (and of FILL and RANGE on constants) at prepare time and leaves the
// compiled model's output buffer unwritten (it reads back zeros); these are checked against their definition.
describe('builtins folded at load', () => {
  const folds: { c: Case; feed: Record<string, { shape: number[]; data: Float32Array }>; shape: number[]; want: number[] }[] = [
    {
      c: { name: 'SHAPE', op: Op.SHAPE, ins: [[2, 3, 4]], outType: TensorType.INT32, options: [O.ShapeOptions, new ShapeOptionsT(TensorType.INT32)] },
      feed: { x0: { shape: [2, 3, 4], data: new Float32Array(24) } },
      shape: [3],
      want: [2, 3, 4],
    },
    { c: { name: 'FILL', op: Op.FILL, ins: [{ shape: [2], i32: [2, 3] }, { shape: [], f32: [1.5] }] }, feed: {}, shape: [2, 3], want: [1.5, 1.5, 1.5, 1.5, 1.5, 1.5] },
    { c: { name: 'RANGE', op: Op.RANGE, ins: [{ shape: [], f32: [1] }, { shape: [], f32: [-1.5] }, { shape: [], f32: [-0.75] }] }, feed: {}, shape: [4], want: [1, 0.25, -0.5, -1.25] },
  ];
  for (const { c, feed, shape, want } of folds) {
    it(`${c.name} (CPU and WebGPU)`, async () => {
      const bytes = buildTflite(model(c, [shape]));
      for (const backend of ['cpu', 'webgpu'] as const) {
        const m = await load(bytes, backend === 'cpu' ? { backend } : { backend, gpu: await getTestDevice() });
        const y = (await m.run(feed)).get('y0')!;
        m.dispose();
        expect(y.shape, backend).toEqual(shape);
        expect(Array.from(y.data), backend).toEqual(want);
      }
    });
  }
});
