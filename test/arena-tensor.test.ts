// The CPU engine's data-movement kernels (src/cpu/arena/ops/{transpose,concat,pad,slice,split,reshape}.ts,
// c/tensor.c) against the ops' reference kernels and TF.js's cpu backend. Data movement is exact: outputs must
// equal the oracle bitwise, with every tiled call split into 1, 2, 3 and 5 ranges, from 'plain' and (4-D) 'nhwc'
// inputs; the plans' edges are checked for writes outside the box.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Value } from '../src/graph/ir.js';
import type { Layout } from '../src/cpu/arena/types.js';
import type { Tensor } from '../src/tensor.js';
import { runArenaKernel, toLayout, type NodeSpec } from './support/arena-kernel.js';
import { instantiateKernels, kernelMemory, kernelModule } from '../src/cpu/arena/module.js';
import { copyPlan, layoutCopy, padPlan } from '../src/cpu/arena/ops/strided.js';
import { Pad } from '../src/ops/pad.js';

const SPLITS = [1, 2, 3, 5];

/** Distinct values (a misplaced element cannot go unseen), including a -0 and a NaN payload-free NaN. */
function tensor(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, (_, i) => (i + 1) * (i % 3 === 0 ? -0.5 : 1.25));
  if (n > 2) data[1] = -0;
  if (n > 5) data[5] = NaN;
  return { shape, data };
}

const ints = (xs: number[]) => ({ constant: { shape: [xs.length], ints: Float64Array.from(xs) } as Value });
const float = (x: number) => ({ constant: { shape: [], data: Float32Array.of(x) } as Value });

function sameBits(got: Tensor, want: Tensor, what: string) {
  expect(got.shape, what).toEqual([...want.shape]);
  const a = new Uint32Array(got.data.buffer, got.data.byteOffset, got.data.length);
  const b = new Uint32Array(want.data.buffer, want.data.byteOffset, want.data.length);
  const bad = a.findIndex((x, i) => x !== b[i]);
  expect(bad, `${what}: first mismatch at ${bad}: ${got.data[bad]} vs ${want.data[bad]}`).toBe(-1);
}

/** Runs `spec` with input 0 in each layout of `layouts` (others plain) and every split; compares with the reference. */
function check(spec: NodeSpec, layouts: Layout[] = ['plain', 'nhwc'], want?: (l: Layout) => Layout[]) {
  for (const l of layouts) {
    const have = spec.inputs.map((x) => (x && !('constant' in x) ? l : undefined));
    for (const split of SPLITS) {
      const run = runArenaKernel(spec, { split, have });
      const what = `${spec.op} ${JSON.stringify(spec.attrs ?? {})} ${spec.inputs.map((x) => (x && 'shape' in x ? `[${x.shape}]` : '')).join(' ')} have ${l} split ${split}`;
      expect(run.layouts, `${what}: declined`).toBeDefined();
      if (want) expect(run.layouts!.outputs, what).toEqual(want(l));
      const inputs = spec.inputs.map((x) => (x && 'constant' in x ? x.constant : x)) as Value[];
      const ref = run.rn.def.reference(inputs, run.rn.attrs) as Tensor[];
      expect(run.outputs.length).toBe(ref.length);
      run.outputs.forEach((o, i) => sameBits(o, ref[i]!, `${what} output ${i}`));
    }
  }
}

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

describe('arena Transpose', () => {
  it.each(permutations(4).map((p) => [p]))('[2,5,7,3] perm %j', (perm) => {
    check({ op: 'Transpose', attrs: { perm }, inputs: [tensor([2, 5, 7, 3])] });
  });
  it.each([
    [[1, 6, 9, 13], [0, 2, 3, 1]], [[1, 6, 9, 13], [0, 3, 1, 2]], [[3, 17, 1, 5], [0, 2, 3, 1]], [[1, 32, 16, 16], [0, 2, 3, 1]],
    [[1, 1, 1, 1], [3, 2, 1, 0]], [[2, 9, 4, 1], [1, 0, 3, 2]], [[1, 64, 64, 3], [0, 3, 1, 2]],
  ])('4-D %j perm %j', (shape, perm) => check({ op: 'Transpose', attrs: { perm }, inputs: [tensor(shape)] }));
  it.each([
    [[13, 7], [1, 0]], [[64, 33], [1, 0]], [[1, 9], [1, 0]], [[11], [0]], [[2, 3, 4, 5, 6], [4, 2, 0, 3, 1]],
    [[2, 3, 2, 3, 2, 5], [5, 4, 3, 2, 1, 0]], [[2, 3, 2, 3, 2, 5], [1, 3, 5, 0, 2, 4]], [[3, 4, 5, 6, 7], [0, 1, 2, 4, 3]],
    ...permutations(3).map((p) => [[5, 9, 6], p]),
  ])('%j perm %j', (shape, perm) => check({ op: 'Transpose', attrs: { perm }, inputs: [tensor(shape)] }, ['plain']));
  it('gives nhwc where it keeps channels contiguous: swapping H and W of an nhwc tensor', () => {
    check({ op: 'Transpose', attrs: { perm: [0, 1, 3, 2] }, inputs: [tensor([2, 16, 5, 7])] }, ['nhwc'], () => ['nhwc']);
    check({ op: 'Transpose', attrs: { perm: [0, 1, 3, 2] }, inputs: [tensor([2, 16, 5, 7])] }, ['plain'], () => ['plain']);
  });
});

describe('arena Concat', () => {
  it.each([0, 1, 2, 3, -1])('4-D axis %i, three inputs, nhwc output from nhwc inputs', (axis) => {
    const shape = (d: number) => [2, 5, 3, 7].map((s, k) => (k === (axis + 4) % 4 ? d : s));
    const spec = { op: 'Concat', attrs: { axis }, inputs: [tensor(shape(1)), tensor(shape(6)), tensor(shape(3))] };
    check(spec, ['plain', 'nhwc'], (l) => [l]);
  });
  it.each([
    [[[1, 512, 1], [1, 384, 1]], 1], [[[1, 512, 16], [1, 384, 16]], 1], [[[4, 3], [4, 1], [4, 5]], -1], [[[7], [2]], 0],
    [[[2, 3, 2, 2, 3], [2, 3, 2, 5, 3]], 3], [[[3, 2, 1, 2, 1, 2], [3, 2, 1, 2, 1, 2]], 5],
    [[[1, 5001], [1, 4096], [1, 3]], 1], // long rows, cut for threads
  ])('%j axis %i', (shapes, axis) => check({ op: 'Concat', attrs: { axis }, inputs: shapes.map((s) => tensor(s)) }, ['plain']));
  it.each([1, 3])('a constant input, axis %i', (axis) => {
    const c = tensor([2, 3, 4, 5].map((d, k) => (k === axis ? 2 : d)));
    check({ op: 'Concat', attrs: { axis }, inputs: [tensor([2, 3, 4, 5]), { constant: c }, tensor([2, 3, 4, 5])] }, ['plain', 'nhwc'], (l) => [l]);
  });
  it('mixed input layouts give a plain output', () => {
    const run = runArenaKernel({ op: 'Concat', attrs: { axis: 1 }, inputs: [tensor([1, 3, 4, 4]), tensor([1, 5, 4, 4])] }, { have: ['nhwc', 'plain'] });
    expect(run.layouts).toEqual({ inputs: ['plain', 'plain'], outputs: ['plain'] });
  });
});

describe('arena Pad', () => {
  const pad = (shape: number[], pads: number[], mode: string, value?: number) => ({
    op: 'Pad', attrs: { mode }, inputs: [tensor(shape), ints(pads), ...(value === undefined ? [] : [float(value)])],
  });
  const cases: [number[], number[]][] = [
    [[1, 24, 64, 64], [0, 0, 0, 0, 0, 4, 0, 0]], // the face detector's channel pads
    [[2, 5, 7, 6], [0, 0, 1, 2, 0, 0, 2, 1]], // spatial
    [[2, 5, 7, 6], [0, 1, 3, 0, 0, 2, 0, 4]], // channels and spatial
    [[2, 5, 7, 6], [1, 0, 0, 0, 1, 0, 0, 0]], // batch
    [[2, 5, 7, 6], [0, 0, -1, 2, 0, 0, 2, -3]], // crops and pads
    [[1, 3, 4, 5], [0, -1, 0, 0, 0, -1, 0, 0]], // channel crop
    [[2, 5, 7, 6], [0, 0, 0, 0, 0, 0, 0, 0]],
  ];
  it.each(cases)('4-D %j pads %j, constant 0 and 1.5', (shape, pads) => {
    check(pad(shape, pads, 'constant'), ['plain', 'nhwc'], (l) => [l]);
    check(pad(shape, pads, 'constant', 1.5));
  });
  it.each(cases.filter(([, p]) => p.every((x) => x >= 0)))('4-D %j pads %j, edge and reflect', (shape, pads) => {
    check(pad(shape, pads, 'edge'));
    check(pad(shape, pads, 'reflect'));
  });
  it.each([
    [[9], [3, 2]], [[4, 7], [1, 3, 2, 0]], [[4, 7], [-1, 2, 0, -2]], [[3, 4, 5], [0, 2, 1, 1, 0, 3]],
    [[2, 3, 3, 4, 5], [1, 0, 2, 1, 0, 0, 1, 0, 3, 1]], [[2, 3, 2, 3, 2, 3], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
  ])('%j pads %j, every mode', (shape, pads) => {
    const crops = pads.some((p) => p < 0);
    check(pad(shape, pads, 'constant', -2), ['plain']);
    if (!crops) check(pad(shape, pads, 'edge'), ['plain']);
    if (!crops) check(pad(shape, pads, 'reflect'), ['plain']);
  });
  it('crops everything but a constant border', () => {
    check(pad([2, 3, 4, 5], [0, 0, -4, 1, 0, 0, 2, 1], 'constant', 7));
  });
});

describe('arena Slice and Split', () => {
  const slice = (shape: number[], starts: number[], ends: number[], axes: number[], steps?: number[]) => ({
    op: 'Slice', inputs: [tensor(shape), ints(starts), ints(ends), ints(axes), ...(steps ? [ints(steps)] : [])],
  });
  it.each([
    [[2, 6, 7, 9], [0, 1, 1], [6, 5, 9], [1, 2, 3], undefined],
    [[2, 6, 7, 9], [1, 2], [5, 8], [1, 3], [2, 3]],
    [[2, 6, 7, 9], [-1, -1, 9.223372036854776e18], [-100, -9.223372036854776e18, 0], [3, 2, 0], [-1, -2, -1]],
    [[2, 6, 7, 9], [5, 0], [0, 9], [1, 3], [-3, 4]],
    [[3, 8, 5, 5], [0], [3], [1], undefined],
    [[1, 4, 6, 6], [1], [1], [2], undefined],
  ])('4-D %j starts %j ends %j axes %j steps %j', (shape, starts, ends, axes, steps) => {
    check(slice(shape, starts, ends, axes, steps), ['plain', 'nhwc'], (l) => [l]);
  });
  it.each([
    [[10], [2], [9], [0], [3]], [[5, 11], [4, 10], [-10, 0], [0, 1], [-1, -2]], [[4, 5, 6], [1], [4], [2], [1]],
    [[2, 3, 4, 5, 6, 7], [1, 1, 2], [3, 4, 7], [1, 3, 5], [1, 2, 2]],
  ])('%j starts %j ends %j axes %j steps %j', (shape, starts, ends, axes, steps) => {
    check(slice(shape, starts, ends, axes, steps), ['plain']);
  });
  it.each([
    [[2, 10, 3, 5], 1, [3, 7]], [[2, 10, 3, 5], 3, [1, 1, 3]], [[2, 10, 3, 6], 2, [2, 0, 1]], [[4, 3, 2, 2], 0, [1, 3]],
    [[7, 5], 1, [2, 3]], [[6], 0, [1, 2, 3]], [[2, 3, 4, 5, 6], 4, [3, 3]],
  ])('Split %j axis %i into %j', (shape, axis, sizes) => {
    check({ op: 'Split', attrs: { axis }, inputs: [tensor(shape), ints(sizes)], outputs: sizes.length }, shape.length === 4 ? ['plain', 'nhwc'] : ['plain'],
      (l) => sizes.map(() => l));
  });
});

describe('arena Reshape, Flatten, Squeeze, Unsqueeze of nhwc tensors', () => {
  it.each([
    [[1, 16, 16, 2], [1, 512, 1]], [[2, 5, 3, 4], [2, 60]], [[2, 5, 3, 4], [10, 3, 4]], [[1, 1, 48, 48], [1, 48, 48, 1]],
    [[1, 7, 1, 1], [7]], [[3, 5, 2, 7], [-1]], [[1, 1, 100, 101], [1, 101, 100, 1]], // one long copy, cut for threads
  ])('Reshape %j to %j', (shape, to) => {
    check({ op: 'Reshape', inputs: [tensor(shape), ints(to)] }, ['nhwc', 'plain'], () => ['plain']);
  });
  it('Flatten, Squeeze, Unsqueeze', () => {
    check({ op: 'Flatten', attrs: { axis: 2 }, inputs: [tensor([2, 5, 3, 4])] }, ['nhwc'], () => ['plain']);
    check({ op: 'Squeeze', inputs: [tensor([3, 5, 1, 4]), ints([2])] }, ['nhwc'], () => ['plain']);
    check({ op: 'Unsqueeze', inputs: [tensor([3, 5, 2, 4]), ints([0, 5])] }, ['nhwc'], () => ['plain']);
  });
});

describe('tensor_copy and tensor_pad write nothing outside their box', () => {
  const GUARD = 64;
  const SENTINEL = 12345;
  /** Runs the call over a destination of `dstLen` floats plus guards, all preset to a sentinel; returns it. */
  function guarded(src: Float32Array, dstLen: number, call: (ex: Record<string, (...a: number[]) => void>, dst: number, src: number, plan: number) => void, ints: number[]) {
    const mem = kernelMemory(4 << 20, false);
    const ex = instantiateKernels(kernelModule(false), mem);
    const base = kernelModule(false).heapBase;
    const f = new Float32Array(mem.buffer);
    const plan = base;
    new Int32Array(mem.buffer).set(ints, plan / 4);
    const s = plan + 256;
    f.set(src, s / 4);
    const d = s + src.length * 4 + 4 * GUARD;
    f.fill(SENTINEL, d / 4 - GUARD, d / 4 + dstLen + GUARD);
    call(ex, d, s, plan);
    return f.slice(d / 4 - GUARD, d / 4 + dstLen + GUARD);
  }
  it.each([
    ['rows with tails', [7, 5], [5, 1], [8, 1], 56],
    ['rows cut into chunks', [3, 5001], [5001, 1], [6000, 1], 18000],
    ['4×4 panels with a short last block', [6, 7], [1, 6], [9, 1], 54],
    ['transposing panels cut for threads', [1001, 6], [1, 1001], [8, 1], 8008],
    ['3-row transposes cut for threads', [2000, 3], [1, 2000], [3, 1], 6000],
    ['2-row interleaves', [1001, 2], [1, 1001], [2, 1], 2002],
    ['3-row interleaves with a tail', [1003, 3], [1, 1003], [3, 1], 3009],
    ['transposes with the rows cut for threads (NHWC → NCHW, 3 channels)', [3, 5001], [1, 3], [5001, 1], 15003],
    ['a negative-stride gather', [4, 6], [6, -1], [7, 1], 28],
    ['a scatter', [5], [1], [3], 15],
  ])('%s', (_, shape, ss, ds, dstLen) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const src = Float32Array.from({ length: n + 8 }, (_, i) => i + 1);
    const lo = Math.min(0, ...shape.map((d, k) => (d - 1) * ss[k]!));
    const plan = copyPlan(shape, ss, ds, shape.map((_, k) => k));
    for (const split of [1, 3]) {
      const got = guarded(src, dstLen, (ex, d, s, p) => {
        for (let t = 0; t < split; t++) ex.tensor_copy!(d, s - lo * 4, p, Math.floor((plan.tiles * t) / split), Math.floor((plan.tiles * (t + 1)) / split));
      }, plan.ints);
      const want = new Float32Array(dstLen + 2 * GUARD).fill(SENTINEL);
      for (let i = 0; i < n; i++) {
        let r = i;
        let so = -lo;
        let dof = 0;
        for (let k = shape.length - 1; k >= 0; k--) {
          so += (r % shape[k]!) * ss[k]!;
          dof += (r % shape[k]!) * ds[k]!;
          r = Math.floor(r / shape[k]!);
        }
        want[GUARD + dof] = src[so]!;
      }
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });
  it.each(['constant', 'edge', 'reflect'] as const)('pad %s: [5, 3, 7] by (0,1,2) before, (0,2,3) after', (mode) => {
    const src = Float32Array.from({ length: 5 * 3 * 7 }, (_, i) => i + 1);
    const plan = padPlan([5, 3, 7], [0, 1, 2], [5, 6, 12], mode);
    const got = guarded(src, 5 * 6 * 12, (ex, d, s, p) => ex.tensor_pad!(d, s, p, -1, 0, plan.tiles), plan.ints);
    const ref = Pad.reference([{ shape: [5, 3, 7], data: src }], { mode, begin: [0, 1, 2], shape: [5, 6, 12], value: -1 })[0] as Tensor;
    expect(Array.from(got.subarray(GUARD, GUARD + ref.data.length))).toEqual(Array.from(ref.data));
    expect(Array.from(got.subarray(0, GUARD)).concat(Array.from(got.subarray(GUARD + ref.data.length)))).toEqual(new Array(2 * GUARD).fill(SENTINEL));
  });
});

// A second oracle: TF.js's cpu backend on the same logical tensors (tf.transpose, tf.pad, tf.mirrorPad,
// tf.stridedSlice, tf.concat, tf.split), bitwise, from both input layouts.
describe('arena data movement vs TF.js', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const x = tensor([2, 6, 7, 9]);
  const tx = () => tf.tensor(x.data, x.shape as number[]);
  const same = (spec: NodeSpec, want: () => tf.Tensor | tf.Tensor[], what: string) => {
    const ws = [want()].flat();
    for (const have of ['plain', 'nhwc'] as const) {
      const run = runArenaKernel(spec, { split: 3, have: spec.inputs.map((v) => (v && !('constant' in v) ? have : undefined)) });
      ws.forEach((w, i) => sameBits(run.outputs[i]!, { shape: w.shape, data: w.dataSync() as Float32Array }, `${what} from ${have}, output ${i}`));
    }
    ws.forEach((w) => w.dispose());
  };
  it('Transpose', () => {
    for (const perm of [[0, 2, 3, 1], [3, 1, 0, 2], [0, 1, 3, 2], [2, 0, 1, 3]])
      same({ op: 'Transpose', attrs: { perm }, inputs: [x] }, () => tf.tidy(() => tf.transpose(tx(), perm)), `perm ${perm}`);
  });
  it('Pad: constant and reflect', () => {
    const p = [[0, 1], [2, 0], [1, 3], [2, 2]] as [number, number][];
    const pads = [...p.map((q) => q[0]), ...p.map((q) => q[1])];
    same({ op: 'Pad', attrs: { mode: 'constant' }, inputs: [x, ints(pads), float(-3)] }, () => tf.tidy(() => tf.pad(tx(), p, -3)), 'constant');
    same({ op: 'Pad', attrs: { mode: 'reflect' }, inputs: [x, ints(pads)] }, () => tf.tidy(() => tf.mirrorPad(tx(), p, 'reflect')), 'reflect');
  });
  it('Slice with steps, negative too', () => {
    same({ op: 'Slice', inputs: [x, ints([1, 8, 1]), ints([6, 0, 7]), ints([1, 3, 2]), ints([2, -3, 3])] },
      () => tf.tidy(() => tf.stridedSlice(tx(), [0, 1, 1, 8], [2, 6, 7, 0], [1, 2, 3, -3])), 'slice');
  });
  it('Concat and Split on every axis', () => {
    for (let axis = 0; axis < 4; axis++) {
      const y = tensor(x.shape.map((d, k) => (k === axis ? 3 : d)));
      same({ op: 'Concat', attrs: { axis }, inputs: [x, y] },
        () => tf.tidy(() => tf.concat([tx(), tf.tensor(y.data, y.shape as number[])], axis)), `concat axis ${axis}`);
      const sizes = [1, x.shape[axis]! - 1];
      same({ op: 'Split', attrs: { axis }, inputs: [x, ints(sizes)], outputs: 2 }, () => tf.split(tx(), sizes, axis), `split axis ${axis}`);
    }
  });
});

describe('layoutCopy (conversions as tiled copies)', () => {
  it.each([[1, 3, 17, 19], [2, 2, 5, 7], [1, 6, 8, 8], [2, 33, 9, 5], [1, 1, 4, 4], [1, 3, 50, 61]].map((s) => [s]))('%j both ways, split 1 and 3', (shape) => {
    const x = tensor(shape);
    for (const [from, to] of [['plain', 'nhwc'], ['nhwc', 'plain']] as const)
      for (const split of [1, 3]) {
        const mem = kernelMemory(1 << 20, false);
        const ex = instantiateKernels(kernelModule(false), mem);
        let top = kernelModule(false).heapBase;
        const f = new Float32Array(mem.buffer);
        const take = (n: number) => ((top += (n * 4 + 31) & ~15), top - ((n * 4 + 31) & ~15));
        const a = { offset: take(x.data.length), shape, layout: from };
        const b = { offset: take(x.data.length), shape, layout: to };
        f.set(toLayout(x, from), a.offset / 4);
        const calls = layoutCopy({ weights: (d) => { const at = take(d.length); f.set(d, at / 4); return at; } }, a, b);
        for (const c of calls)
          for (let t = 0; t < split; t++) ex[c.fn]!(...c.args, Math.floor((c.tiles! * t) / split), Math.floor((c.tiles! * (t + 1)) / split));
        sameBits({ shape, data: f.slice(b.offset / 4, b.offset / 4 + x.data.length) }, { shape, data: toLayout(x, to) }, `${from}→${to}`);
      }
  });
});
