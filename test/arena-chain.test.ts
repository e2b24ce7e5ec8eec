// Fused depthwise-separable chains (src/cpu/arena/chain.ts, ops/conv-chain.ts, c/chain.c): the chain against the
// same graph planned without chains (bitwise: the chain runs the same microkernels in the same order) and against
// the reference kernels (|got - want| <= 1e-5·max(1, |want|)), every tiled call split 1, 2 and 3 ways (bitwise), and
// PyTorch's MobileNetV2 and separable-block fixtures end to end.
import { describe, expect, it } from 'vitest';
import type { Graph, Node, Value } from '../src/graph/ir.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve, type ResolvedGraph } from '../src/graph/resolve.js';
import { ARENA_KERNELS } from '../src/cpu/arena/kernels.js';
import type { ChainKernel } from '../src/cpu/arena/chain.js';
import type { ArenaKernel } from '../src/cpu/arena/types.js';
import { CHAIN_OP, chainKernel } from '../src/cpu/arena/ops/conv-chain.js';
import { ArenaProgram } from '../src/cpu/arena/program.js';
import { runCpu } from '../src/cpu/run.js';
import { sizeOf, tensor, type Tensor } from '../src/tensor.js';
import { compareTensors, loadFixture } from './support/fixtures.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}
const r = rng(21);
const rand = (shape: number[]) => tensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1));

/** Every chain fused, whatever the rule says; and no chain at all. */
const ALWAYS = new Map<string, ArenaKernel>([...ARENA_KERNELS, [CHAIN_OP, { ...chainKernel, pays: () => true } as ChainKernel]]);
const UNFUSED = new Map([...ARENA_KERNELS].filter(([op]) => op !== CHAIN_OP));

type Act = 'Relu' | 'Clip6' | 'HardSwish' | 'Sigmoid' | 'none';

function actNodes(act: Act, x: string, y: string, name: string): Node[] {
  if (act === 'none') return [{ name, op: 'Identity', inputs: [x], outputs: [y], attrs: {} }];
  if (act === 'Clip6') return [{ name, op: 'Clip', inputs: [x, 'lo', 'hi'], outputs: [y], attrs: {} }];
  return [{ name, op: act, inputs: [x], outputs: [y], attrs: {} }];
}

interface Case {
  N: number; C: number; H: number; W: number; E: number; O: number; k: number; s: number;
  expand: boolean; act: Act; residual: boolean;
  /** The chain's output is a graph output no node reads (the chain writes it NCHW); else a Neg reads it (NHWC; a Relu would fuse into the conv). */
  nchw?: boolean;
}

/** [expand 1×1 → act →] depthwise k×k stride s → act → project 1×1 [+ x]. */
function chainGraph(c: Case): Graph {
  const { N, C, H, W, E, O, k, s } = c;
  const mid = c.expand ? E : C;
  const inits = new Map<string, Value>([
    ['we', rand([E, C, 1, 1])], ['be', rand([E])], ['wd', rand([mid, 1, k, k])], ['bd', rand([mid])],
    ['wp', rand([O, mid, 1, 1])], ['bp', rand([O])], ['lo', tensor([], [0])], ['hi', tensor([], [6])],
  ]);
  const p = k >> 1;
  const nodes: Node[] = [
    ...(c.expand ? [{ name: 'expand', op: 'Conv', inputs: ['x', 'we', 'be'], outputs: ['e'], attrs: {} }, ...actNodes(c.act, 'e', 'ea', 'a1')] : []),
    { name: 'dw', op: 'Conv', inputs: [c.expand ? 'ea' : 'x', 'wd', 'bd'], outputs: ['d'], attrs: { group: mid, pads: [p, p, p, p], strides: [s, s] } },
    ...actNodes(c.act, 'd', 'da', 'a2'),
    { name: 'project', op: 'Conv', inputs: ['da', 'wp', 'bp'], outputs: ['pr'], attrs: {} },
  ];
  if (c.residual) nodes.push({ name: 'add', op: 'Add', inputs: ['pr', 'x'], outputs: ['y'], attrs: {} });
  const y = c.residual ? 'y' : 'pr';
  if (!c.nchw) nodes.push({ name: 'tail', op: 'Neg', inputs: [y], outputs: ['z'], attrs: {} });
  return { name: 'chain', inputs: [{ name: 'x', shape: [N, C, H, W] }], outputs: [c.nchw ? y : 'z'], nodes, initializers: inits, opset: 17 };
}

/** Runs `p` with every tiled call split into `split` ranges one after the other, each with its own scratch. */
function runSplit(p: ArenaProgram, inputs: Record<string, Tensor>, split: number): Map<string, Float32Array> {
  const f32 = new Float32Array(p.memory.buffer);
  for (const [name, t] of Object.entries(inputs)) f32.set(t.data, p.plan.values.get(name)!.offset / 4);
  for (const s of p.plan.steps) {
    if (!('calls' in s)) throw new Error(`node ${s.node} runs in JavaScript`);
    for (const c of s.calls) {
      const f = p.exports[c.fn] as (...a: number[]) => void;
      const n = c.tiles === undefined ? 1 : Math.min(split, c.tiles);
      for (let t = 0; t < n; t++) {
        const args = [...c.args];
        if (c.scratch) args[c.scratch.arg] = p.plan.scratchOffset + t * p.plan.scratchBytes;
        if (c.tiles === undefined) f(...args);
        else f(...args, Math.floor((c.tiles * t) / n), Math.floor((c.tiles * (t + 1)) / n));
      }
    }
  }
  const out = new Map<string, Float32Array>();
  for (const [name, v] of p.plan.outputs) {
    const val = p.plan.values.get(v)!;
    out.set(name, f32.slice(val.offset / 4, val.offset / 4 + sizeOf(val.shape)));
  }
  return out;
}

const chainSteps = (p: ArenaProgram) => p.plan.steps.filter((s) => 'calls' in s && s.calls.some((c) => c.fn === 'chain_conv')).length;

function checkClose(got: Float32Array, want: Tensor, what: string): void {
  expect(got.length, what).toBe(want.data.length);
  let worst = 0, at = -1;
  want.data.forEach((v, i) => {
    const e = Math.abs(got[i]! - v) / Math.max(1, Math.abs(v));
    if (!(e <= worst)) (worst = e), (at = i);
  });
  expect(worst, `${what}: worst relative error at ${at}`).toBeLessThanOrEqual(1e-5);
}

/** `g` planned with every chain fused: `chains` chain steps, and the reference's outputs on a random input of `shape`. */
function alwaysChained(g: Graph, shape: number[], chains: number): void {
  const rg = optimize(resolve(g), { cpu: true }).graph;
  const p = new ArenaProgram(rg, { kernels: ALWAYS });
  expect(chainSteps(p)).toBe(chains);
  const x = rand(shape);
  const got = p.run({ x });
  for (const [name, w] of runCpu(rg, { x }, { fast: false })) checkClose(got.get(name)!.data, w, name);
}

const cases: Case[] = [
  { N: 1, C: 5, H: 9, W: 7, E: 13, O: 5, k: 3, s: 1, expand: true, act: 'Clip6', residual: true },
  { N: 2, C: 6, H: 11, W: 13, E: 20, O: 7, k: 3, s: 2, expand: true, act: 'Relu', residual: false, nchw: true },
  { N: 2, C: 8, H: 7, W: 5, E: 24, O: 8, k: 3, s: 1, expand: true, act: 'none', residual: true },
  { N: 2, C: 5, H: 9, W: 6, E: 14, O: 5, k: 3, s: 1, expand: true, act: 'Clip6', residual: true, nchw: true },
  { N: 1, C: 3, H: 10, W: 9, E: 9, O: 11, k: 5, s: 2, expand: true, act: 'Clip6', residual: false },
  { N: 1, C: 16, H: 17, W: 15, E: 96, O: 24, k: 3, s: 2, expand: true, act: 'Clip6', residual: false },
  { N: 1, C: 12, H: 13, W: 12, E: 36, O: 12, k: 3, s: 1, expand: true, act: 'Clip6', residual: true },
  { N: 2, C: 7, H: 9, W: 11, E: 7, O: 10, k: 3, s: 1, expand: false, act: 'Relu', residual: false },
  { N: 2, C: 7, H: 9, W: 11, E: 7, O: 10, k: 3, s: 1, expand: false, act: 'Relu', residual: false, nchw: true },
  { N: 1, C: 9, H: 12, W: 7, E: 9, O: 9, k: 3, s: 2, expand: false, act: 'Clip6', residual: false },
  { N: 1, C: 32, H: 15, W: 16, E: 32, O: 64, k: 3, s: 1, expand: false, act: 'Relu', residual: false, nchw: true },
  { N: 1, C: 4, H: 1, W: 1, E: 10, O: 4, k: 3, s: 1, expand: true, act: 'Relu', residual: true },
  { N: 2, C: 6, H: 10, W: 7, E: 17, O: 6, k: 3, s: 1, expand: true, act: 'HardSwish', residual: true },
  { N: 1, C: 5, H: 11, W: 9, E: 12, O: 7, k: 3, s: 2, expand: true, act: 'Sigmoid', residual: false },
  // an expanded image (1 MiB) larger than the scratch's address: the buffer's rows are addressed from below 0
  { N: 1, C: 3, H: 64, W: 64, E: 64, O: 3, k: 3, s: 1, expand: true, act: 'Clip6', residual: true },
  { N: 1, C: 6, H: 2, W: 3, E: 6, O: 6, k: 3, s: 1, expand: false, act: 'none', residual: true, nchw: true },
];

describe('fused depthwise-separable chains', () => {
  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', (_, c) => {
    const rg: ResolvedGraph = optimize(resolve(chainGraph(c)), { cpu: true }).graph;
    const fused = new ArenaProgram(rg, { kernels: ALWAYS, shared: true, threads: 3 });
    const plain = new ArenaProgram(rg, { kernels: UNFUSED, shared: true, threads: 3 });
    expect(chainSteps(fused), 'one chain').toBe(1);
    expect(chainSteps(plain)).toBe(0);
    if (c.H === 64) expect(fused.plan.scratchOffset).toBeLessThan(c.H * c.W * c.E * 4);
    const out = rg.nodes.filter((rn) => rn.node.op === 'Conv').at(-1)!.node.outputs[0]!;
    expect(fused.plan.values.get(out)!.layout, 'the chain output layout').toBe(c.nchw ? 'plain' : 'nhwc');
    const x = rand([c.N, c.C, c.H, c.W]);
    const want = runCpu(rg, { x }, { fast: false });
    const base = runSplit(plain, { x }, 1);
    for (const split of [1, 2, 3]) {
      const got = runSplit(fused, { x }, split);
      for (const [name, w] of want) {
        checkClose(got.get(name)!, w, `${name} split ${split}`);
        expect(got.get(name)!, `${name} split ${split} bitwise the unfused graph`).toEqual(base.get(name)!);
      }
    }
    // and through the program's own run (one thread)
    for (const [name, t] of fused.run({ x })) expect(t.data).toEqual(base.get(name)!);
  });

  it('a depthwise output read twice, or a graph output, stays unfused', () => {
    const c: Case = { N: 1, C: 5, H: 9, W: 7, E: 13, O: 5, k: 3, s: 1, expand: true, act: 'Relu', residual: false };
    const g = chainGraph(c);
    g.outputs.push('da');
    alwaysChained(g, [1, 5, 9, 7], 0);
  });
});

describe('stacked depthwise-separable blocks (MobileNetV1, PoseNet)', () => {
  it('dw → pw → dw → pw: two chains, the second not taking the first one\'s project conv as its expand', () => {
    const inits = new Map<string, Value>([
      ['wd1', rand([6, 1, 3, 3])], ['wp1', rand([10, 6, 1, 1])], ['wd2', rand([10, 1, 3, 3])], ['wp2', rand([7, 10, 1, 1])],
    ]);
    const dw = (name: string, x: string, w: string, c: number, y: string): Node => ({ name, op: 'Conv', inputs: [x, w], outputs: [y], attrs: { group: c, pads: [1, 1, 1, 1] } });
    const g: Graph = {
      name: 'stacked', inputs: [{ name: 'x', shape: [1, 6, 11, 9] }], outputs: ['z'], initializers: inits, opset: 17,
      nodes: [
        dw('dw1', 'x', 'wd1', 6, 'd1'), { name: 'r1', op: 'Relu', inputs: ['d1'], outputs: ['d1r'], attrs: {} },
        { name: 'pw1', op: 'Conv', inputs: ['d1r', 'wp1'], outputs: ['p1'], attrs: {} }, { name: 'r2', op: 'Relu', inputs: ['p1'], outputs: ['p1r'], attrs: {} },
        dw('dw2', 'p1r', 'wd2', 10, 'd2'), { name: 'r3', op: 'Relu', inputs: ['d2'], outputs: ['d2r'], attrs: {} },
        { name: 'pw2', op: 'Conv', inputs: ['d2r', 'wp2'], outputs: ['y'], attrs: {} }, { name: 'tail', op: 'Neg', inputs: ['y'], outputs: ['z'], attrs: {} },
      ],
    };
    alwaysChained(g, [1, 6, 11, 9], 2);
  });
});

describe('PyTorch fixtures through the chains', () => {
  for (const name of ['mobilenet_v2_035', 'tiny_inverted_residual_op11', 'separable_block_bn_relu6']) {
    it(name, () => {
      const fx = loadFixture(name);
      const rg = optimize(resolve(fx.graph, { [fx.inputName]: fx.input.shape }), { cpu: true }).graph;
      for (const kernels of [ALWAYS, ARENA_KERNELS]) {
        const p = new ArenaProgram(rg, { kernels, shared: true, threads: 3 });
        if (kernels === ALWAYS) expect(chainSteps(p)).toBeGreaterThan(0);
        const one = runSplit(p, { [fx.inputName]: fx.input }, 1);
        const three = runSplit(p, { [fx.inputName]: fx.input }, 3);
        const out = rg.graph.outputs[0]!;
        expect(three.get(out)).toEqual(one.get(out));
        const cmp = compareTensors({ shape: fx.expected!.shape, data: one.get(out)! }, fx.expected!, fx.atol, fx.rtol);
        expect(cmp.ok, `max abs ${cmp.maxAbsErr} at ${cmp.worstCoords}`).toBe(true);
      }
    });
  }
});
