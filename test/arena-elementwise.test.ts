// The CPU engine's elementwise kernels (c/elementwise.c through ops/elementwise.ts, ops/softmax.ts) against the
// reference kernels of src/ops over awkward shapes and every broadcast form, with NHWC and plain inputs mixed and
// constant operands. Binaries and the exact unaries (Relu, Clip, Neg, Abs, Sqrt, Reciprocal, Floor, Ceil, Round,
// Sign) must give the reference's bits (−0 and NaN included). Approximated ones, |got − ref| ≤ atol + rtol·|ref|
// (measured worst on dense sweeps in brackets): Sigmoid, Tanh, Exp, Elu, Log 1e-37 + 2.4e-7·|ref| (1.5e-7,
// 1.2e-7, 1.2e-7, 1.2e-7, 1.2e-7); LeakyRelu 1.2e-7·|ref| (f32 alpha); HardSigmoid 1e-7 + 1.2e-7·|ref| and
// HardSwish 3e-7 + 2.4e-7·|ref| (f32 arithmetic where the reference rounds once from double: 6e-8 and 2.4e-7
// absolute); Gelu 1e-10 + 2.5e-6·|ref| (2e-6 near x = −4.6: e^(−x²/2) from an f32 x², growing with x² in the
// tail below 1e-8); Softmax 1e-8 + 4e-6·|ref| (2.3e-6 over 1000 logits in ±20: the f32 x − max and sum). Every
// case also runs with its tiles split over 2 and 3 "threads", which must give the same bits.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../src/errors.js';
import type { Value } from '../src/graph/ir.js';
import { sizeOf, type Shape, type Tensor } from '../src/tensor.js';
import type { Layout } from '../src/cpu/arena/types.js';
import { UNARY_OPS } from '../src/cpu/arena/ops/elementwise.js';
import { ARENA_KERNELS } from '../src/cpu/arena/kernels.js';
import { runArenaKernel, type NodeSpec } from './support/arena-kernel.js';
import { rng } from './support/conv-sweep.js';
import { ArenaProgram } from '../src/cpu/arena/program.js';
import { runCpu } from '../src/cpu/run.js';
import { load } from '../src/node.js';

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38];

/** Values uniform in [lo, hi) with, when `specials`, one special value in every 7. */
function tensor(shape: Shape, r: () => number, lo = -3, hi = 3, specials = false): Tensor {
  const data = Float32Array.from({ length: sizeOf(shape) }, (_, i) =>
    specials && i % 7 === 3 ? SPECIALS[Math.floor(r() * SPECIALS.length)]! : lo + (hi - lo) * r());
  return { shape: [...shape], data };
}

interface Tol { atol: number; rtol: number }

/** Same bits where `tol` is absent (NaN matches any NaN), else |got − want| ≤ atol + rtol·|want|. */
function expectMatch(got: Float32Array, want: Float32Array, what: string, tol?: Tol): void {
  expect(got.length, what).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    const g = got[i]!, w = want[i]!;
    if (Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w))) continue;
    if (tol && Number.isFinite(w) && Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w)) continue;
    bad.push(`[${i}] got ${g}, want ${w}`);
  }
  if (bad.length) expect.fail(`${what}: ${bad.join('; ')}`);
}

function bits(t: Tensor): Uint32Array {
  return new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
}

/**
 * Runs `spec` on the CPU engine with inputs in `have` layouts, split 1, 2 and 3 ways (same bits), and checks it
 * against the op's reference kernel.
 */
function check(spec: NodeSpec, have: (Layout | undefined)[] | undefined, what: string, tol?: Tol): { inputs: (Layout | undefined)[]; outputs: Layout[] } {
  const runs = [1, 2, 3].map((split) => runArenaKernel(spec, { split, have }));
  const one = runs[0]!;
  expect(one.layouts, `${what}: declined`).toBeDefined();
  const b1 = bits(one.outputs[0]!);
  for (const r of runs.slice(1)) {
    const b = bits(r.outputs[0]!);
    expect(b.findIndex((v, i) => v !== b1[i]), `${what}: first element differing when split`).toBe(-1);
  }
  const feeds = spec.inputs.map((x) => (x === undefined ? undefined : 'constant' in x ? x.constant : x)) as Value[];
  const want = one.rn.def.reference(feeds, one.rn.attrs)[0] as Tensor;
  expect(one.outputs[0]!.shape, what).toEqual([...want.shape]);
  expectMatch(one.outputs[0]!.data, want.data, what, tol);
  return one.layouts!;
}

/** Every assignment of 'plain' / 'nhwc' to the 4-D runtime inputs (constants undefined). */
function layoutCombos(shapes: Shape[], constant: boolean[]): (Layout | undefined)[][] {
  let out: (Layout | undefined)[][] = [[]];
  shapes.forEach((s, i) => {
    const options: (Layout | undefined)[] = constant[i] ? [undefined] : s.length === 4 ? ['plain', 'nhwc'] : ['plain'];
    out = out.flatMap((c) => options.map((l) => [...c, l]));
  });
  return out;
}

const BINARY_SHAPES: [Shape, Shape][] = [
  [[2, 3, 5, 7], [2, 3, 5, 7]], [[13], [13]], [[1], [1]], [[], []], [[], [5]], [[3, 1, 4, 4], [3, 1, 4, 4]],
  [[2, 3, 5, 7], [1]], [[1], [2, 3, 5, 7]], [[2, 3, 5, 7], []], [[1, 1, 1, 1], [2, 6, 3, 3]],
  [[2, 6, 5, 7], [1, 6, 1, 1]], [[2, 6, 5, 7], [6, 1, 1]], [[1, 6, 1, 1], [2, 6, 5, 7]], [[1, 9, 2, 3], [1, 9, 1, 1]],
  [[2, 3, 5, 7], [2, 3, 5, 1]], [[3, 5, 1], [3, 5, 9]], [[2, 3, 5, 7], [1, 1, 5, 1]], [[2, 1, 5, 7], [1, 3, 1, 7]],
  [[4, 1], [1, 5]], [[2, 3, 5, 7], [7]], [[2, 1, 1, 7], [2, 3, 5, 1]], [[1, 5, 3, 3], [1, 1, 3, 3]],
  [[2, 5, 3, 3], [2, 5, 3, 1]], [[2, 1, 3, 2, 5, 3], [1, 2, 3, 1, 5, 1]], [[2, 3, 1, 4, 5], [3, 4, 1]],
  [[2, 3, 4, 5], [3, 1, 1, 1, 1]], [[1, 17, 33, 5], [1, 17, 33, 5]], [[1, 16, 64, 64], [1, 16, 1, 1]],
  [[2, 6, 5, 7], [6, 5, 7]], [[6, 1, 7], [2, 6, 5, 7]], [[2, 6, 5, 7], [5, 1]], [[2, 6, 5, 7], [2, 6, 1, 1]],
  [[3, 2, 9, 4, 1], [3, 1, 1, 1, 5]], [[2, 5, 1, 1], [2, 5, 3, 3]],
];

// The broadcast and layout logic is shared by every op: Add and Sub (operand order) run every layout mix and
// constant placement, the others both operands at run time in all-plain or all-NHWC.
const BINARY_OPS: [string, boolean][] = [['Add', true], ['Sub', true], ['Mul', false], ['Div', false], ['Max', false], ['Min', false]];

describe('CPU engine broadcasting binaries', () => {
  it.each(BINARY_OPS)('%s: every broadcast form, NHWC and plain inputs, constants, NaN/±Inf, same bits as the reference', (op, full) => {
    const r = rng(op.length * 31 + op.charCodeAt(0));
    for (const [as, bs] of BINARY_SHAPES) {
      const a = tensor(as, r, -3, 3, true);
      const b = tensor(bs, r, -3, 3, true);
      if (op === 'Div') b.data.forEach((v, i) => i % 5 === 1 && (b.data[i] = 0));
      for (const constant of full ? [[false, false], [false, true], [true, false]] : [[false, false]]) {
        const inputs = [constant[0] ? { constant: a } : a, constant[1] ? { constant: b } : b];
        const combos = layoutCombos([as, bs], constant);
        for (const have of full ? combos : [combos[0]!, combos[combos.length - 1]!]) {
          const what = `${op} ${JSON.stringify(as)}${constant[0] ? 'c' : have[0]} ∘ ${JSON.stringify(bs)}${constant[1] ? 'c' : have[1]}`;
          const got = check({ op, inputs }, have, what);
          const nhwcIn = [as, bs].some((s, i) => s.length === 4 && have[i] === 'nhwc');
          const layout = nhwcIn && Math.max(as.length, bs.length) === 4 ? 'nhwc' : 'plain';
          expect(got.outputs, what).toEqual([layout]);
          expect(got.inputs, what).toEqual(have.map((l, i) => (l && [as, bs][i]!.length === 4 ? layout : l)));
        }
      }
    }
  });

  it('PRelu: per-channel, scalar, full and trailing slopes, runtime or constant, NHWC and plain', () => {
    const r = rng(7);
    const cases: [Shape, Shape][] = [[[2, 6, 5, 7], [1, 6, 1, 1]], [[2, 6, 5, 7], [6, 1, 1]], [[2, 6, 5, 7], [1]],
      [[2, 6, 5, 7], [2, 6, 5, 7]], [[2, 6, 5, 7], [7]], [[1, 3, 1, 1], [3, 1, 1]], [[5, 11], [11]], [[9], [1]]];
    for (const [xs, ss] of cases)
      for (const constSlope of [true, false]) {
        const x = tensor(xs, r, -3, 3, true);
        const s = tensor(ss, r, -1, 1);
        const inputs = [x, constSlope ? { constant: s } : s];
        for (const have of layoutCombos([xs, ss], [false, constSlope]))
          check({ op: 'PRelu', inputs }, have, `PRelu ${JSON.stringify(xs)}${have[0]} slope ${JSON.stringify(ss)}${have[1] ?? 'c'}`);
      }
  });

  it('large flat and row-broadcast operands split over several tiles', () => {
    const r = rng(3);
    for (const [as, bs] of [[[3, 37, 41, 5], [3, 37, 41, 5]], [[1, 24, 32, 32], [1, 24, 1, 1]], [[70001], [1]]] as [Shape, Shape][]) {
      const inputs = [tensor(as, r), tensor(bs, r)];
      check({ op: 'Mul', inputs }, as.length === 4 ? ['nhwc', 'nhwc'] : undefined, `Mul ${JSON.stringify(as)} ${JSON.stringify(bs)}`);
    }
  });

  it('declines what it does not handle: three-input Max, rank above 6, no runtime operand', () => {
    const r = rng(5);
    const t = (s: Shape) => tensor(s, r);
    expect(runArenaKernel({ op: 'Max', inputs: [t([2, 3]), t([2, 3]), t([2, 3])] }).layouts).toBeUndefined();
    expect(runArenaKernel({ op: 'Add', inputs: [t([2, 1, 2, 1, 2, 1, 2]), t([2])] }).layouts).toBeUndefined();
    const { rn } = runArenaKernel({ op: 'Add', inputs: [t([2, 3]), t([3])] });
    expect(ARENA_KERNELS.get('Add')!.layouts(rn, [undefined, undefined])).toBeUndefined();
    // an operand that is neither an arena tensor nor a float constant (an integer constant) is a typed error
    const ctx = {
      node: rn, input: (i: number) => (i === 0 ? { offset: 0, shape: [2, 3], layout: 'plain' as const } : undefined),
      output: () => ({ offset: 64, shape: [2, 3], layout: 'plain' as const }), constant: () => undefined, weights: () => 0,
    };
    expect(() => ARENA_KERNELS.get('Add')!.build(ctx)).toThrow(ModelFormatError);
    expect(() => ARENA_KERNELS.get('Add')!.build(ctx)).toThrow(/Add node "n": input 1/);
  });
});

const APPROX: Tol = { atol: 1e-37, rtol: 2.4e-7 };
const GELU_TOL: Tol = { atol: 1e-10, rtol: 2.5e-6 };

/** Input range and tolerance of each unary op (no tolerance: the reference's bits). */
const UNARY: Record<string, { lo: number; hi: number; attrs?: Record<string, unknown>; tol?: Tol }> = {
  Relu: { lo: -3, hi: 3 },
  Clip: { lo: -3, hi: 3, attrs: { min: -0.5, max: 1.25 } },
  LeakyRelu: { lo: -3, hi: 3, attrs: { alpha: 0.1 }, tol: { atol: 0, rtol: 1.2e-7 } },
  Elu: { lo: -20, hi: 3, attrs: { alpha: 1.5 }, tol: APPROX },
  Sigmoid: { lo: -30, hi: 30, tol: APPROX },
  HardSigmoid: { lo: -6, hi: 6, attrs: { alpha: 0.3, beta: 0.4 }, tol: { atol: 1e-7, rtol: 1.2e-7 } },
  HardSwish: { lo: -5, hi: 5, tol: { atol: 3e-7, rtol: 2.4e-7 } },
  Tanh: { lo: -6, hi: 6, tol: APPROX },
  Exp: { lo: -110, hi: 89, tol: APPROX },
  Log: { lo: 0, hi: 3, tol: APPROX },
  Gelu: { lo: -8, hi: 8, attrs: { approximate: 'none' }, tol: GELU_TOL },
  Neg: { lo: -3, hi: 3 },
  Abs: { lo: -3, hi: 3 },
  Sqrt: { lo: 0, hi: 100 },
  Reciprocal: { lo: -3, hi: 3 },
  Floor: { lo: -5, hi: 5 },
  Ceil: { lo: -5, hi: 5 },
  Round: { lo: -5, hi: 5 },
  Sign: { lo: -3, hi: 3 },
};

describe('CPU engine unary ops', () => {
  it('covers every op the kernel table registers', () => expect(Object.keys(UNARY).sort()).toEqual([...UNARY_OPS].sort()));

  it.each(Object.keys(UNARY))('%s: odd shapes in both layouts, specials, tolerance as stated', (op) => {
    const u = UNARY[op]!;
    const r = rng(op.length * 17 + op.charCodeAt(1));
    for (const shape of [[1], [7], [13, 17], [1, 1, 1, 1], [2, 3, 5, 7], [1, 5, 33, 65]] as Shape[]) {
      const x = tensor(shape, r, u.lo, u.hi, true);
      if (op === 'Round') x.data.forEach((v, i) => i % 4 === 0 && (x.data[i] = Math.round(v) + 0.5));
      for (const layout of shape.length === 4 ? (['plain', 'nhwc'] as const) : (['plain'] as const)) {
        const got = check({ op, attrs: u.attrs, inputs: [x] }, [layout], `${op} ${JSON.stringify(shape)} ${layout}`, u.tol);
        expect(got.outputs).toEqual([layout]);
      }
    }
    // small arguments, where relative accuracy is hardest
    const small = tensor([4099], r, -1e-3, 1e-3);
    check({ op, attrs: u.attrs, inputs: [small] }, undefined, `${op} |x| < 1e-3`, u.tol);
  });

  it('Gelu, tanh approximation', () => {
    const r = rng(13);
    for (const shape of [[5], [2, 3, 5, 7], [4099]] as Shape[])
      check({ op: 'Gelu', attrs: { approximate: 'tanh' }, inputs: [tensor(shape, r, -8, 8, true)] }, undefined, `Gelu tanh ${JSON.stringify(shape)}`, GELU_TOL);
  });

  it('Clip with bounds from constant inputs (opset 11+) and lo > hi', () => {
    const r = rng(11);
    const x = tensor([3, 4, 5], r, -3, 3, true);
    const c = (v: number): { constant: Tensor } => ({ constant: { shape: [], data: Float32Array.of(v) } });
    check({ op: 'Clip', inputs: [x, c(-1), c(2)] }, ['plain', undefined, undefined], 'Clip [-1, 2]');
    check({ op: 'Clip', inputs: [x, c(1), c(-1)] }, ['plain', undefined, undefined], 'Clip lo > hi');
    check({ op: 'Clip', inputs: [x, undefined, c(0.5)] }, ['plain', undefined, undefined], 'Clip max only');
  });
});

const SOFTMAX_TOL: Tol = { atol: 1e-8, rtol: 4e-6 };

describe('CPU engine softmax', () => {
  const cases: [Shape, number, Layout][] = [
    [[1], -1, 'plain'], [[7], 0, 'plain'], [[3, 5], -1, 'plain'], [[2, 3, 5, 7], -1, 'plain'], [[2, 3, 5, 7], 1, 'plain'],
    [[2, 3, 5, 7], 2, 'plain'], [[2, 3, 5, 7], 0, 'plain'], [[2, 6, 5, 7], 1, 'nhwc'], [[2, 6, 5, 7], 3, 'nhwc'],
    [[2, 6, 5, 7], 2, 'nhwc'], [[2, 6, 5, 7], 0, 'nhwc'], [[1, 1001], 1, 'plain'], [[4, 9, 2], 1, 'plain'], [[64, 1000], -1, 'plain'],
    [[3, 1000, 5], 1, 'plain'],
  ];
  it.each(cases)('%j axis %i %s', (shape, axis, layout) => {
    const r = rng(shape.length * 13 + axis + 5);
    const x = tensor(shape, r, -20, 20);
    const got = check({ op: 'Softmax', attrs: { axis }, inputs: [x] }, [layout], 'Softmax', SOFTMAX_TOL);
    expect(got.outputs).toEqual([layout]);
  });

  it('NaN and ±Inf logits as the reference; -Inf gives exactly 0', () => {
    const x: Tensor = { shape: [4, 5], data: Float32Array.from([1, 2, -Infinity, 3, -Infinity, 1, NaN, 2, 3, 4, 1, Infinity, 2, 3, 4, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity]) };
    check({ op: 'Softmax', attrs: { axis: -1 }, inputs: [x] }, ['plain'], 'Softmax specials', SOFTMAX_TOL);
    const y = runArenaKernel({ op: 'Softmax', attrs: { axis: -1 }, inputs: [x] }).outputs[0]!;
    expect([y.data[2], y.data[4]]).toEqual([0, 0]);
  });
});

describe('CPU engine elementwise ops in a planned model', () => {
  it("selfie segmenter: its SE Muls, Adds and Sigmoid run in wasm on NHWC and the mask matches the reference", async () => {
    const bytes = readFileSync('node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite');
    const m = await load(new Uint8Array(bytes), { backend: 'cpu', worker: false });
    const p = new ArenaProgram(m.graph);
    expect(p.stats.fallbacks).toEqual({});
    const [name, shape] = m.graph.inputShapes.entries().next().value as [string, number[]];
    const x = tensor(shape, rng(9), 0, 1).data;
    const want = runCpu(m.graph, { [name]: x }, { fast: false });
    const got = p.run({ [name]: x });
    for (const [k, t] of want) expectMatch(got.get(k)!.data, t.data, k, { atol: 1e-4, rtol: 1e-4 });
    m.dispose();
  }, 60000);
});
