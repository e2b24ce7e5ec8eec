// TF ops that tfjs-converter emits for feed-forward graphs (comparisons, logic, Select, TopKV2, FloorMod, Split,
// Tile, Prod, the load-time generators…): each a tiny graph model run by sepconv (CPU and WebGPU) and by TF.js's
// cpu backend (the oracle), over awkward shapes and broadcasting. `pool` puts a 1x1 MaxPool first so the operand
// is held NCHW inside the engine (the layout path of 4-D results). TF's row-wise Select (a rank-1 condition on
// higher-rank operands) is not covered: TF.js broadcasts Select like SelectV2 and rejects that case.
import { describe, expect, it } from 'vitest';
import { load, type ModelInput } from '../src/model.js';
import { loadOnGpu } from './support/gpu.js';
import { runTfjs, TfjsGraph } from './support/tfjs-graph.js';

function rand(n: number, seed: number, scale = 1, round = false): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    const v = (((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1) * scale;
    return round ? Math.round(v) : v;
  });
}
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

interface Feed {
  shape: number[];
  data: Float32Array | Int32Array;
}
interface Case {
  name: string;
  feeds: Record<string, Feed>;
  /** Adds the graph; returns the output node names. */
  graph(g: TfjsGraph, ins: string[]): string[];
  tol?: number;
}

const f32 = (shape: number[], seed: number, scale = 1, round = false): Feed => ({ shape, data: rand(size(shape), seed, scale, round) });
const i32 = (shape: number[], seed: number, scale: number): Feed => ({ shape, data: Int32Array.from(rand(size(shape), seed, scale, true)) });

/** x, optionally through an identity 1x1 MaxPool (4-D operands then live NCHW in the engine). */
function pre(g: TfjsGraph, x: string, shape: number[], pool: boolean): string {
  if (!pool || shape.length !== 4) return x;
  const one = { list: { i: ['1', '1', '1', '1'] } };
  return g.op(`${x}_pool`, 'MaxPool', [x], { ksize: one, strides: one, padding: { s: btoa('VALID') }, data_format: { s: btoa('NHWC') } });
}

const BROADCASTS: [number[], number[], boolean][] = [
  [[2, 3, 5], [5], false],
  [[1, 5, 7, 3], [1, 1, 7, 1], true],
  [[1, 4, 6, 2], [2], true],
  [[3, 1], [1, 4], false],
  [[7], [], false],
];

const cases: Case[] = [];
for (const op of ['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'FloorMod', 'Atan2'])
  for (const [as, bs, pool] of BROADCASTS) {
    const round = op !== 'FloorMod' && op !== 'Atan2';
    const b = f32(bs, 7, 3, round);
    // FloorMod's divisor kept away from 0
    if (op === 'FloorMod') b.data = b.data.map((v) => (v < 0 ? v - 0.5 : v + 0.5));
    cases.push({
      name: `${op} a=${as.join('x')} b=${bs.join('x') || 'scalar'}${pool ? ' (NCHW operand)' : ''}`,
      feeds: { a: f32(as, 3, 4, round), b },
      graph: (g, [a, bb]) => [g.op('y', op, [pre(g, a!, as, pool), bb!])],
    });
  }
for (const [op, as, bs] of [['FloorMod', [4, 5], [5]], ['FloorDiv', [2, 7], [1]], ['Equal', [3, 4], [4]]] as const)
  cases.push({
    name: `${op} int32 a=${as.join('x')} b=${bs.join('x')}`,
    feeds: { a: i32([...as], 5, 20), b: { shape: [...bs], data: Int32Array.from(rand(size(bs), 9, 6, true), (v) => (v === 0 ? 3 : v)) } },
    graph: (g, [a, b]) => [g.op('y', op, [a!, b!], { T: { type: 'DT_INT32' } })],
  });
for (const op of ['LogicalAnd', 'LogicalOr'])
  for (const [as, bs, pool] of BROADCASTS.slice(0, 4))
    cases.push({
      name: `${op} a=${as.join('x')} b=${bs.join('x')}${pool ? ' (NCHW operand)' : ''}`,
      feeds: { a: f32(as, 11), b: f32(bs, 12) },
      graph: (g, [a, b]) => {
        const zero = g.const('zero', [], [0]);
        const p = g.op('p', 'Greater', [pre(g, a!, as, pool), zero]);
        const q = g.op('q', 'Less', [b!, zero]);
        return [g.op('y', op, [p, q], { T: { type: 'DT_BOOL' } })];
      },
    });
cases.push({
  name: 'LogicalNot of Greater, x=1x3x5x2 (NCHW operand)',
  feeds: { x: f32([1, 3, 5, 2], 13) },
  graph: (g, [x]) => [g.op('y', 'LogicalNot', [g.op('p', 'Greater', [pre(g, x!, [1, 3, 5, 2], true), g.const('zero', [], [0])])], { T: { type: 'DT_BOOL' } })],
});
for (const op of ['Sin', 'Cos'])
  for (const scale of [3, 300])
    cases.push({ name: `${op} x=2x3x17, |x| < ${scale}`, feeds: { x: f32([2, 3, 17], 14, scale) }, graph: (g, [x]) => [g.op('y', op, [x!])] });
for (const [cs, xs, ys, op] of [
  [[2, 1, 4], [3, 4], [2, 3, 1], 'SelectV2'],
  [[1, 5, 6, 1], [1, 5, 6, 3], [3], 'SelectV2'],
  [[4, 1], [4, 3], [1, 3], 'Select'],
  [[2, 5], [2, 5], [2, 5], 'Select'],
] as const)
  cases.push({
    name: `${op} cond=${cs.join('x')} x=${xs.join('x')} y=${ys.join('x')}`,
    feeds: { c: f32([...cs], 15), x: f32([...xs], 16), y: f32([...ys], 17) },
    graph: (g, [c, x, y]) => [g.op('out', op, [g.op('p', 'Greater', [pre(g, c!, [...cs], true), g.const('zero', [], [0])]), pre(g, x!, [...xs], true), y!])],
  });
for (const [xs, k, round] of [[[2, 3, 50], 7, true], [[1, 1000], 100, false], [[5], 5, true], [[1, 4, 4, 3], 2, true]] as const)
  cases.push({
    name: `TopKV2 x=${xs.join('x')} k=${k}${round ? ' (ties)' : ''}`,
    feeds: { x: f32([...xs], 18, 3, round) },
    graph: (g, [x]) => {
      g.op('top', 'TopKV2', [pre(g, x!, [...xs], true), g.const('k', [], [k], 'int32')], { sorted: { b: true } });
      return [g.op('values', 'Identity', ['top:0']), g.op('indices', 'Identity', ['top:1'], { T: { type: 'DT_INT32' } })];
    },
  });
for (const [xs, sizes, axis] of [[[2, 10, 3], [3, -1, 2], 1], [[1, 4, 6, 8], [5, 3], -1], [[9], [2, 7], 0]] as const)
  cases.push({
    name: `SplitV x=${xs.join('x')} sizes=[${sizes.join(', ')}] axis=${axis}`,
    feeds: { x: f32([...xs], 19) },
    graph: (g, [x]) => {
      g.op('sp', 'SplitV', [pre(g, x!, [...xs], true), g.const('sizes', [sizes.length], sizes, 'int32'), g.const('axis', [], [axis], 'int32')], { num_split: { i: String(sizes.length) } });
      return sizes.map((_, i) => g.op(`part${i}`, 'Identity', [`sp:${i}`]));
    },
  });
cases.push({
  name: 'Split x=4x6 num_split=3 axis=-1',
  feeds: { x: f32([4, 6], 20) },
  graph: (g, [x]) => {
    g.op('sp', 'Split', [g.const('axis', [], [-1], 'int32'), x!], { num_split: { i: '3' } });
    return [0, 1, 2].map((i) => g.op(`part${i}`, 'Identity', [`sp:${i}`]));
  },
});
for (const [xs, m] of [[[2, 3], [2, 3]], [[1, 4, 4, 2], [1, 2, 1, 3]], [[3], [1]]] as const)
  cases.push({
    name: `Tile x=${xs.join('x')} multiples=[${m.join(', ')}]`,
    feeds: { x: f32([...xs], 21) },
    graph: (g, [x]) => [g.op('y', 'Tile', [pre(g, x!, [...xs], true), g.const('m', [m.length], m, 'int32')])],
  });
for (const [xs, axes, keep] of [[[3, 4, 5], [1], true], [[3, 4, 5], [0, 2], false], [[1, 3, 4, 2], [1, 2], false], [[6], [0], false]] as const)
  cases.push({
    name: `Prod x=${xs.join('x')} axes=[${axes.join(', ')}] keep_dims=${keep}`,
    feeds: { x: { shape: [...xs], data: rand(size(xs), 22).map((v) => 0.6 + v * 0.5) } },
    graph: (g, [x]) => [g.op('y', 'Prod', [pre(g, x!, [...xs], true), g.const('axes', [axes.length], axes, 'int32')], { keep_dims: { b: keep } })],
  });
cases.push({
  name: 'SparseToDense 3x4 (constant) + x, Fill(Shape(x)) · x, ZerosLike(x) + x, Range, Size',
  feeds: { x: f32([3, 4], 23) },
  graph: (g, [x]) => {
    const dense = g.op('dense', 'SparseToDense', [g.const('si', [3, 2], [0, 1, 1, 3, 2, 0], 'int32'), g.const('os', [2], [3, 4], 'int32'), g.const('sv', [3], [5, -2, 7]), g.const('dv', [], [0.5])], { Tindices: { type: 'DT_INT32' } });
    const shape = g.op('shape', 'Shape', [x!], { out_type: { type: 'DT_INT32' } });
    const filled = g.op('filled', 'Fill', [shape, g.const('v', [], [2.5])]);
    const zeros = g.op('zeros', 'ZerosLike', [x!]);
    const range = g.op('range', 'Range', [g.const('r0', [], [1]), g.const('r1', [], [9]), g.const('rd', [], [2])], { Tidx: { type: 'DT_FLOAT' } });
    const sz = g.op('size', 'Size', [x!], { out_type: { type: 'DT_INT32' } });
    const s = g.op('s', 'Cast', [sz], { SrcT: { type: 'DT_INT32' }, DstT: { type: 'DT_FLOAT' } });
    const y = g.op('y', 'AddV2', [g.op('m', 'Mul', [g.op('a', 'AddV2', [dense, zeros]), filled]), g.op('xs', 'Mul', [x!, s])]);
    return [y, g.op('r', 'Mul', [range, g.const('two', [], [2])])];
  },
});

cases.push({
  name: 'FloorDiv and FloorMod of negative int32 constants (folded at load) + x',
  feeds: { x: f32([6], 25) },
  graph: (g, [x]) => {
    const a = g.const('ca', [6], [-7, 7, -7, 7, -6, 0], 'int32');
    const d = g.const('cd', [6], [2, -2, -2, 2, 3, -5], 'int32');
    const cast = (n: string, v: string) => g.op(n, 'Cast', [v], { SrcT: { type: 'DT_INT32' }, DstT: { type: 'DT_FLOAT' } });
    const q = cast('qf', g.op('q', 'FloorDiv', [a, d], { T: { type: 'DT_INT32' } }));
    const m = cast('mf', g.op('m', 'FloorMod', [a, d], { T: { type: 'DT_INT32' } }));
    return [g.op('yq', 'AddV2', [q, x!]), g.op('ym', 'AddV2', [m, x!])];
  },
});
cases.push({
  name: 'a 4-D output also read by a Reshape + GatherV2 (its boundary Transpose must stay on the GPU)',
  feeds: { x: f32([1, 4, 5, 3], 24) },
  graph: (g, [x]) => {
    const map = g.op('map', 'Identity', [pre(g, x!, [1, 4, 5, 3], true)]);
    const rows = g.op('rows', 'Reshape', [map, g.const('shape', [2], [20, 3], 'int32')]);
    const picked = g.op('picked', 'GatherV2', [rows, g.const('idx', [4], [19, 0, 7, 7], 'int32'), g.const('ax', [], [0], 'int32')], { Tindices: { type: 'DT_INT32' } });
    return [map, picked];
  },
});

async function check(c: Case, backend: 'cpu' | 'webgpu') {
  const g = new TfjsGraph();
  const ins = Object.entries(c.feeds).map(([k, f]) => g.placeholder(k, f.shape, f.data instanceof Int32Array ? 'int32' : 'float32'));
  const outs = c.graph(g, ins);
  const src = g.build(outs);
  const want = await runTfjs(src, c.feeds, outs);
  const model = backend === 'cpu' ? await load(src, { backend: 'cpu' }) : await loadOnGpu(src);
  try {
    const got = await model.predict(c.feeds as Record<string, ModelInput>);
    outs.forEach((o, i) => {
      const y = got.get(o);
      expect(y, `output ${o}`).toBeDefined();
      expect([...y!.shape], `shape of ${o}`).toEqual(want[i]!.shape);
      const e = want[i]!.data;
      const tol = c.tol ?? 2e-6;
      let worst = 0;
      let at = -1;
      for (let k = 0; k < e.length; k++) {
        const d = Math.abs(y!.data[k]! - e[k]!) / Math.max(1, Math.abs(e[k]!));
        if (!(d <= worst)) [worst, at] = [d, k];
      }
      expect(worst, `${o}[${at}]: ${y!.data[at]} vs ${e[at]}`).toBeLessThanOrEqual(tol);
    });
  } finally {
    model.dispose();
  }
}

describe('TF.js ops vs TF.js (cpu backend): sepconv CPU', () => {
  for (const c of cases) it(c.name, () => check(c, 'cpu'), 60_000);
});

describe('TF.js ops vs TF.js (cpu backend): sepconv WebGPU (Node/Dawn)', () => {
  for (const c of cases) it(c.name, () => check(c, 'webgpu'), 120_000);
});
