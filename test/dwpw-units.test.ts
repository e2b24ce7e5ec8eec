// The depthwise -> pointwise walk (src/graph/dwpw-units.ts) on torchvision's MobileNetV2: the GPU's FusedDwPw
// pairs are the network's blocks, found here by names along the edges (an oracle that does not walk the node
// order); a depthwise output that is a graph output or has a second reader must drop that block, a node put
// between a pair must not.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { dwPwWins } from '../src/gpu/kernels/dwpw.js';
import { dwPwUnits, fusedDwPwNode, fuseDwPwUnits } from '../src/graph/dwpw-units.js';
import { fuseDwPwFor } from '../src/gpu/fuse-dwpw.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve, type ResolvedGraph, type ResolvedNode } from '../src/graph/resolve.js';
import type { ConvAttrs } from '../src/ops/conv.js';
import { dwPwGeometry } from '../src/gpu/programs/dwpw.gpu.js';
import { mobilenetV2 } from './support/mobilenet-v2.js';

const TARGET = { variant: 'tiled' as const, limits: { maxComputeInvocationsPerWorkgroup: 256 } };
/** MobileNetV2's 17 inverted-residual blocks. */
const BLOCKS = 17;

const isDepthwise = (rn: ResolvedNode) => rn.node.op === 'Conv' && (rn.attrs as ConvAttrs).group > 1;
const isPointwise = (rn: ResolvedNode) =>
  rn.node.op === 'Conv' && (rn.attrs as ConvAttrs).group === 1 && rn.inputShapes[1]![2] === 1 && rn.inputShapes[1]![3] === 1;
/** The walk's rules with no backend in them: any depthwise conv then pointwise conv. */
const dwThenPw = (d: ResolvedNode, p: ResolvedNode) => isDepthwise(d) && isPointwise(p);

interface Block {
  dw: ResolvedNode;
  pw: ResolvedNode;
}

/** Each depthwise conv with the pointwise conv alone reading it. */
function blocks(rg: ResolvedGraph): Block[] {
  const outputs = new Set(rg.graph.outputs);
  const readers = (v: string) => rg.nodes.filter((rn) => rn.node.inputs.includes(v));
  const only = (v: string) => (outputs.has(v) || readers(v).length !== 1 ? undefined : readers(v)[0]);
  return rg.nodes.filter(isDepthwise).flatMap((dw) => {
    const pw = only(dw.node.outputs[0]!);
    return pw && isPointwise(pw) && pw.node.inputs[0] === dw.node.outputs[0] ? [{ dw, pw }] : [];
  });
}

const names = (rns: (ResolvedNode | undefined)[]) => rns.filter((rn) => rn).map((rn) => rn!.node.name);
/** What the oracle expects of a tiled GPU (dw + pw when dwPwWins). */
const gpuWanted = (bs: Block[]) =>
  bs.filter((b) => dwPwWins(dwPwGeometry(fusedDwPwNode(b.dw, b.pw)), TARGET.variant, TARGET.limits)).map((b) => `${b.dw.node.name}+${b.pw.node.name}`);

/** The graph with `extra` (read nothing by others; its outputs made graph outputs) put before node `at`. */
function withNode(rg: ResolvedGraph, at: number, extra: ResolvedNode, alsoOutput: string[] = []): ResolvedGraph {
  const nodes = [...rg.nodes.slice(0, at), extra, ...rg.nodes.slice(at)];
  return { ...rg, nodes, graph: { ...rg.graph, outputs: [...rg.graph.outputs, ...extra.node.outputs, ...alsoOutput] } };
}

describe('depthwise -> pointwise units on MobileNetV2', () => {
  const plain = resolve(mobilenetV2(224));
  const cpu = optimize(plain, { cpu: true }).graph;
  const gpu = optimize(plain).graph;

  it('finds every block; GPU pairs where the fused kernel wins', () => {
    for (const rg of [cpu, gpu]) {
      const bs = blocks(rg);
      expect(bs.length).toBe(BLOCKS);
      expect(dwPwUnits(rg, { pair: dwThenPw }).map((u) => names([rg.nodes[u.dw], rg.nodes[u.pw]]))).toEqual(
        bs.map((b) => names([b.dw, b.pw])),
      );
    }
    const wanted = gpuWanted(blocks(gpu));
    // the cost rule keeps some pairs apart at 224 (the figure is measured, not fixed: only that it is a choice)
    expect(wanted.length).toBeGreaterThan(0);
    expect(fuseDwPwFor(gpu, TARGET).fused).toEqual(wanted);
    expect(fuseDwPwFor(gpu, { ...TARGET, variant: 'register' }).fused).toEqual([]);
  });

  it('a depthwise output that is a graph output, or has a second reader, is no unit', () => {
    for (const rg of [cpu, gpu]) {
      const [b0, , b2] = blocks(rg);
      const mid = b2!.dw.node.outputs[0]!;
      const exposed: ResolvedGraph = { ...rg, graph: { ...rg.graph, outputs: [...rg.graph.outputs, mid] } };
      // a copy of the project conv under another name: a second reader of b0's depthwise output
      const copy = { ...b0!.pw, node: { ...b0!.pw.node, name: 'copy', outputs: ['copy_out'] } };
      const shared = withNode(rg, rg.nodes.length, copy);
      for (const [g, gone] of [[exposed, b2!], [shared, b0!]] as const) {
        const left = blocks(rg).filter((b) => b.dw !== gone.dw);
        expect(blocks(g).map((b) => names([b.dw, b.pw]))).toEqual(left.map((b) => names([b.dw, b.pw])));
        const all = dwPwUnits(g, { pair: dwThenPw }).map((u) => g.nodes[u.dw]!.node.name);
        expect(all).toEqual(left.map((b) => b.dw.node.name));
        if (rg === gpu) expect(fuseDwPwFor(g, TARGET).fused).toEqual(gpuWanted(left));
      }
    }
  });

  it('a node between depthwise and project conv: still a pair', () => {
    // an independent conv on the graph input, put between the first block's depthwise and project convs
    const stem = cpu.nodes[0]!;
    const side = { ...stem, node: { ...stem.node, name: 'side', outputs: ['side_out'] } };
    const [b0] = blocks(cpu);
    const apart = withNode(cpu, cpu.nodes.indexOf(b0!.pw), side);
    expect(dwPwUnits(apart, { pair: dwThenPw }).length).toBe(BLOCKS);
    const g = optimize(plain).graph;
    const gApart = withNode(g, g.nodes.indexOf(blocks(g)[0]!.pw), { ...side, node: { ...side.node } });
    expect(fuseDwPwFor(gApart, TARGET).fused).toEqual(gpuWanted(blocks(g)));
  });
});

describe('depthwise -> pointwise units on a separable stack (dw -> pw -> dw -> pw -> dw -> pw)', () => {
  const b = new GraphBuilder('dsc');
  let x = b.input('x', [1, 8, 10, 10]);
  for (const i of [1, 2, 3]) x = b.relu6(b.pointwiseConv2d(b.relu6(b.depthwiseConv2d(x, 8, 3, { padding: 1, name: `dw${i}` })), 8, 8, { name: `pw${i}` }));
  b.output(x);
  const rg = optimize(resolve(b.build()), { cpu: true }).graph;

  it('each depthwise conv pairs with the pointwise conv after it; a pointwise conv never opens a pair', () => {
    const units = dwPwUnits(rg, { pair: dwThenPw });
    expect(units.map((u) => names([rg.nodes[u.dw], rg.nodes[u.pw]]))).toEqual([['dw1', 'pw1'], ['dw2', 'pw2'], ['dw3', 'pw3']]);
  });

  it('only the pairs the rule accepts are fused, each in its pointwise conv\'s place', () => {
    const units = dwPwUnits(rg, { pair: (d) => d.node.name === 'dw2' });
    const fused = fuseDwPwUnits(rg, units).graph;
    expect(fused.nodes.map((rn) => rn.node.name)).toEqual(['dw1', 'pw1', 'dw2+pw2', 'dw3', 'pw3']);
  });
});
