// runCpu, the JavaScript engine (the fallback where WebAssembly SIMD is missing): its fast kernels with recycled
// output buffers (src/cpu/pool.ts) and per node (an onNode hook turns recycling off), against PyTorch's fixtures
// and against the reference kernels (`fast: false`).
import { describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { intTensor, type Graph, type Node, type Value } from '../src/graph/ir.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import { tensor, type Tensor } from '../src/tensor.js';
import { compareTensors, loadFixture } from './support/fixtures.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = rng(5);
const rand = (shape: number[]) => tensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1));

const modes = [
  { name: 'pooled', run: (g: Parameters<typeof runCpu>[0], i: Record<string, Tensor>) => runCpu(g, i) },
  { name: 'per node (hook)', run: (g: Parameters<typeof runCpu>[0], i: Record<string, Tensor>) => runCpu(g, i, { onNode: () => undefined }) },
];

describe('depthwise and pointwise conv networks', () => {
  for (const name of ['separable_block_bn_relu6', 'tiny_inverted_residual_op11', 'mobilenet_v2_035']) {
    it(`${name}: every mode keeps PyTorch's answer`, () => {
      const fx = loadFixture(name);
      const opt = optimize(resolve(fx.graph, { [fx.inputName]: fx.input.shape })).graph;
      for (const m of modes) {
        // twice: the second run draws on buffers the first one recycled
        for (let rep = 0; rep < 2; rep++) {
          const out = m.run(opt, { [fx.inputName]: fx.input }).get(opt.graph.outputs[0]!)!;
          const cmp = compareTensors(out, fx.expected!, fx.atol, fx.rtol);
          expect(cmp.ok, `${name} ${m.name} run ${rep}: max abs ${cmp.maxAbsErr} at ${cmp.worstCoords}`).toBe(true);
        }
      }
    });
  }
});

/**
 * x -> dw -> pw (b) -> Reshape -> Reshape (aliases of b's buffer) -> dw (d) -> Add(d, b) -> y, plus b itself as a
 * second graph output: recycling must respect aliases and must never hand out a buffer the caller holds.
 */
function aliasGraph(): Graph {
  const C = 4;
  const inits = new Map<string, Value>([
    ['w1', rand([C, 1, 3, 3])], ['b1', rand([C])],
    ['w2', rand([2 * C, C, 1, 1])], ['b2', rand([2 * C])],
    ['w3', rand([2 * C, 1, 3, 3])],
    ['s1', intTensor([3], [1, 2 * C, 63])], ['s2', intTensor([4], [1, 2 * C, 7, 9])],
  ]);
  const nodes: Node[] = [
    { name: 'dw1', op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['a'], attrs: { group: C, pads: [1, 1, 1, 1] } },
    { name: 'pw', op: 'Conv', inputs: ['a', 'w2', 'b2'], outputs: ['b'], attrs: {} },
    { name: 'r1', op: 'Reshape', inputs: ['b', 's1'], outputs: ['rb'], attrs: {} },
    { name: 'r2', op: 'Reshape', inputs: ['rb', 's2'], outputs: ['rb2'], attrs: {} },
    { name: 'dw2', op: 'Conv', inputs: ['rb2', 'w3'], outputs: ['d'], attrs: { group: 2 * C, pads: [1, 1, 1, 1] } },
    { name: 'add', op: 'Add', inputs: ['d', 'b'], outputs: ['y'], attrs: {} },
  ];
  return { name: 'alias', inputs: [{ name: 'x', shape: [1, C, 7, 9] }], outputs: ['y', 'b'], nodes, initializers: inits, opset: 17 };
}

/**
 * Inverted residual x -> pw expand (act) -> dw k x k stride s (act) -> pw project [+ x], with planes whose size is
 * not a multiple of 8 and batch 2.
 */
function invertedResidual(N: number, H: number, W: number, k: number, s: number, act: string, residual: boolean): Graph {
  const C = 5;
  const E = 12;
  const inits = new Map<string, Value>([
    ['we', rand([E, C, 1, 1])], ['be', rand([E])],
    ['wd', rand([E, 1, k, k])], ['bd', rand([E])],
    ['wp', rand([C, E, 1, 1])], ['bp', rand([C])],
  ]);
  const p = k >> 1;
  const nodes: Node[] = [
    { name: 'expand', op: 'Conv', inputs: ['x', 'we', 'be'], outputs: ['e'], attrs: {} },
    { name: 'act1', op: act, inputs: ['e'], outputs: ['ea'], attrs: {} },
    { name: 'dw', op: 'Conv', inputs: ['ea', 'wd', 'bd'], outputs: ['d'], attrs: { group: E, pads: [p, p, p, p], strides: [s, s] } },
    { name: 'act2', op: 'Relu', inputs: ['d'], outputs: ['da'], attrs: {} },
    { name: 'project', op: 'Conv', inputs: ['da', 'wp', 'bp'], outputs: ['pr'], attrs: {} },
  ];
  if (residual) nodes.push({ name: 'add', op: 'Add', inputs: ['pr', 'x'], outputs: ['y'], attrs: {} });
  return { name: 'ir', inputs: [{ name: 'x', shape: [N, C, H, W] }], outputs: [residual ? 'y' : 'pr'], nodes, initializers: inits, opset: 17 };
}

describe('inverted residual (pointwise -> depthwise -> pointwise)', () => {
  const cases: [number, number, number, number, number, string, boolean][] = [
    [2, 7, 9, 3, 1, 'Relu', true], [1, 14, 14, 3, 2, 'HardSwish', false], [2, 5, 11, 5, 1, 'Sigmoid', true],
    [1, 9, 6, 5, 2, 'Relu', false], [1, 1, 1, 3, 1, 'Relu', true],
  ];
  it.each(cases)('N=%i %ix%i k%i s%i %s residual=%s', (N, H, W, k, s, act, res) => {
    const rg = optimize(resolve(invertedResidual(N, H, W, k, s, act, res))).graph;
    // activations and the residual Add folded into the convs: the JS conv kernels run the fused epilogues
    expect(rg.nodes.map((rn) => rn.node.op)).toEqual(['Conv', 'Conv', 'Conv']);
    const x = rand([N, 5, H, W]);
    const want = runCpu(rg, { x }, { fast: false }).get(rg.graph.outputs[0]!)!;
    for (const m of modes)
      for (let rep = 0; rep < 2; rep++) {
        const got = m.run(rg, { x }).get(rg.graph.outputs[0]!)!;
        const cmp = compareTensors(got, want, 1e-5, 1e-5);
        expect(cmp.ok, `${m.name} run ${rep}: max abs ${cmp.maxAbsErr} at ${cmp.worstCoords}`).toBe(true);
      }
  });
});

describe('recycled output buffers', () => {
  it('respect aliases, graph outputs and results the caller still holds', () => {
    const rg = resolve(aliasGraph());
    const x1 = rand([1, 4, 7, 9]);
    const x2 = rand([1, 4, 7, 9]);
    const want1 = runCpu(rg, { x: x1 }, { fast: false });
    const want2 = runCpu(rg, { x: x2 }, { fast: false });
    for (const m of modes) {
      const got1 = m.run(rg, { x: x1 });
      const kept = new Map([...got1].map(([k, v]) => [k, v.data.slice()]));
      const got2 = m.run(rg, { x: x2 });
      const got3 = m.run(rg, { x: x1 });
      for (const o of ['y', 'b']) {
        expect(compareTensors(got1.get(o)!, want1.get(o)!, 1e-5, 1e-5).ok, `${m.name} ${o} run 1`).toBe(true);
        expect(compareTensors(got2.get(o)!, want2.get(o)!, 1e-5, 1e-5).ok, `${m.name} ${o} run 2`).toBe(true);
        expect(compareTensors(got3.get(o)!, want1.get(o)!, 1e-5, 1e-5).ok, `${m.name} ${o} run 3`).toBe(true);
        // later runs did not write into the arrays returned by the first one
        expect(got1.get(o)!.data).toEqual(kept.get(o));
        expect(got1.get(o)!.data).not.toBe(got2.get(o)!.data);
      }
    }
  });
});
