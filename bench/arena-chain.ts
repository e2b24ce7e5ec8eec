// Node: fused depthwise-separable chains (src/cpu/arena/ops/conv-chain.ts) against their three (or two) separate
// kernels, on MobileNetV2 224²'s inverted-residual shapes (112² to 7²) and the dsc workload's block (dw 32 → pw 64 at
// 112², a graph output written NCHW), random weights, ReLU6. Each layer is a one-chain graph planned with and without
// chains, the two plans interleaved batch by batch, one thread: the minimum wall time of the chain's nodes in a
// profiled run (per node), and the median CPU time (process.cpuUsage, user + system) of a whole run (the graph's
// input conversion included, and a Neg after the chain that keeps its output NHWC, as inside a network), less hit
// by a loaded machine than wall medians.
//
//   node scripts/vite-run.mjs /bench/arena-chain.ts [batches=9] [runs=10] [layer name regexp]
// (Node 20 has no relaxed SIMD: every madd runs as f32x4.mul then f32x4.add; Chromium runs f32x4.relaxed_madd.)
import type { Graph, Node, Value } from '../src/graph/ir.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';
import { ARENA_KERNELS } from '../src/cpu/arena/kernels.js';
import type { ChainKernel } from '../src/cpu/arena/chain.js';
import type { ArenaKernel } from '../src/cpu/arena/types.js';
import { CHAIN_OP, chainKernel } from '../src/cpu/arena/ops/conv-chain.js';
import { ArenaProgram } from '../src/cpu/arena/program.js';
import { tensor } from '../src/tensor.js';

/** [name, Cin, H, expanded (0: no expand), Cout, stride, residual, NCHW output] */
type Layer = [string, number, number, number, number, number, boolean, boolean];
const LAYERS: Layer[] = [
  ['b0 dw32→16 112²', 32, 112, 0, 16, 1, false, false],
  ['b1 16→96 s2 112²', 16, 112, 96, 24, 2, false, false],
  ['b2 24→144 56² +', 24, 56, 144, 24, 1, true, false],
  ['b3 24→144 s2 56²', 24, 56, 144, 32, 2, false, false],
  ['b4 32→192 28² +', 32, 28, 192, 32, 1, true, false],
  ['b6 32→192 s2 28²', 32, 28, 192, 64, 2, false, false],
  ['b7 64→384 14² +', 64, 14, 384, 64, 1, true, false],
  ['b10 64→384 14²', 64, 14, 384, 96, 1, false, false],
  ['b11 96→576 14² +', 96, 14, 576, 96, 1, true, false],
  ['b13 96→576 s2 14²', 96, 14, 576, 160, 2, false, false],
  ['b14 160→960 7² +', 160, 7, 960, 160, 1, true, false],
  ['b16 160→960 7²', 160, 7, 960, 320, 1, false, false],
  ['dsc dw32→64 112²', 32, 112, 0, 64, 1, false, true],
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}
const r = rng(7);
const rand = (shape: number[], scale = 1) => tensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() * 2 - 1) * scale));

function layerGraph([, C, H, E, O, s, residual, nchw]: Layer): Graph {
  const mid = E || C;
  const inits = new Map<string, Value>([
    ['we', rand([E || 1, C, 1, 1], 0.3)], ['be', rand([E || 1])], ['wd', rand([mid, 1, 3, 3], 0.3)], ['bd', rand([mid])],
    ['wp', rand([O, mid, 1, 1], 0.1)], ['bp', rand([O])], ['lo', tensor([], [0])], ['hi', tensor([], [6])],
  ]);
  const clip = (x: string, y: string): Node => ({ name: `clip_${y}`, op: 'Clip', inputs: [x, 'lo', 'hi'], outputs: [y], attrs: {} });
  const nodes: Node[] = [
    ...(E ? [{ name: 'expand', op: 'Conv', inputs: ['x', 'we', 'be'], outputs: ['e'], attrs: {} }, clip('e', 'ea')] : []),
    { name: 'dw', op: 'Conv', inputs: [E ? 'ea' : 'x', 'wd', 'bd'], outputs: ['d'], attrs: { group: mid, pads: [1, 1, 1, 1], strides: [s, s] } },
    clip('d', 'da'),
    { name: 'project', op: 'Conv', inputs: ['da', 'wp', 'bp'], outputs: ['pr'], attrs: {} },
  ];
  if (residual) nodes.push({ name: 'add', op: 'Add', inputs: ['pr', 'x'], outputs: ['y'], attrs: {} });
  if (!nchw) nodes.push({ name: 'tail', op: 'Neg', inputs: [residual ? 'y' : 'pr'], outputs: ['z'], attrs: {} });
  const out = nchw ? 'pr' : 'z';
  return { name: 'layer', inputs: [{ name: 'x', shape: [1, C, H, H] }], outputs: [out], nodes, initializers: inits, opset: 17 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function main(argv: string[]): Promise<void> {
  const batches = Number(argv[0] ?? 9);
  const runs = Number(argv[1] ?? 10);
  const always = new Map<string, ArenaKernel>([...ARENA_KERNELS, [CHAIN_OP, { ...chainKernel, pays: () => true } as ChainKernel]]);
  const unfused = new Map([...ARENA_KERNELS].filter(([op]) => op !== CHAIN_OP));
  console.log(`| layer | bands | min wall unfused µs | min wall chain µs | ratio | CPU unfused µs | CPU chain µs | ratio |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|---:|`);
  const only = argv[2] ? new RegExp(argv[2]) : undefined;
  for (const layer of LAYERS.filter((l) => !only || only.test(l[0]))) {
    const rg = optimize(resolve(layerGraph(layer)), { cpu: true }).graph;
    const chainNodes = new Set(rg.nodes.flatMap((rn, i) => (rn.node.op === 'Conv' ? [i] : [])));
    const progs = [new ArenaProgram(rg, { kernels: unfused }), new ArenaProgram(rg, { kernels: always })];
    const chain = progs[1]!.plan.steps.find((s) => 'calls' in s && s.calls.some((c) => c.fn === 'chain_conv'));
    if (!chain) throw new Error(`${layer[0]}: no chain planned`);
    const x = rand([1, layer[1], layer[2], layer[2]]);
    const times: number[][] = [[], []];
    const cpu: number[][] = [[], []];
    for (let b = 0; b < batches; b++)
      for (let k = 0; k < 2; k++) {
        for (let i = 0; i < runs + 2; i++) {
          let t = 0;
          progs[k]!.run({ x }, (node, ms) => chainNodes.has(node) && (t += ms));
          if (i >= 2) times[k]!.push(t * 1000);
        }
        const c0 = process.cpuUsage();
        for (let i = 0; i < runs; i++) progs[k]!.run({ x });
        const d = process.cpuUsage(c0);
        cpu[k]!.push((d.user + d.system) / runs);
      }
    const [um, cm] = times.map((t) => Math.min(...t)) as [number, number];
    const [uc, cc] = cpu.map(median) as [number, number];
    const bands = 'calls' in chain ? chain.calls[0]!.tiles : 0;
    console.log(`| ${layer[0]} | ${bands} | ${um.toFixed(0)} | ${cm.toFixed(0)} | ${(cm / um).toFixed(2)} | ${uc.toFixed(0)} | ${cc.toFixed(0)} | ${(cc / uc).toFixed(2)} |`);
  }
}
