// The depthwise -> pointwise fusion for the GPU. Kept out of optimize.ts: it needs the GPU kernels' cost rule
// (dwPwWins), and CPU-only bundles must not pull those kernels and their WGSL in.
import { dwPwWins } from '../gpu/kernels/dwpw.js';
import type { KernelVariant } from '../gpu/variant.js';
import { convKernelFor, type ConvAttrs } from '../ops/conv.js';
import { FusedDwPw, type DwPwAttrs } from '../ops/dwpw.js';
import { dwPwGeometry } from '../ops/dwpw.gpu.js';
import type { Value } from './ir.js';
import { floatConst } from './ir.js';
import type { ResolvedGraph, ResolvedNode } from './resolve.js';

/** The GPU a graph is optimized for: which kernel variant its adapter runs, and its limits. */
export interface DwPwTarget {
  variant: KernelVariant;
  limits: Readonly<Record<string, number>>;
}

/**
 * Conv(depthwise) -> Conv(pointwise) -> one FusedDwPw node (src/ops/dwpw.ts), after activations and residuals
 * are fused into both, when the depthwise output has no other reader and is not a graph output, both weights
 * are constants, and the fused kernel beats the pair on the target GPU (dwPwWins). Runs last, so the
 * pointwise conv's epilogue is complete.
 */
function fuseDwPw(nodes: ResolvedNode[], constants: Map<string, Value>, outputs: Set<string>, fusedNames: string[], target: DwPwTarget | 'every-pair'): void {
  for (let k = 0; k < nodes.length; k++) {
    const dw = nodes[k]!;
    const da = dw.attrs as ConvAttrs;
    if (dw.node.op !== 'Conv' || da.residual || convKernelFor(dw.inputShapes[0]!, da) !== 'depthwise') continue;
    const mid = dw.node.outputs[0]!;
    if (outputs.has(mid)) continue;
    const readers = nodes.filter((n) => n.node.inputs.includes(mid));
    if (readers.length !== 1) continue;
    const pw = readers[0]!;
    const pa = pw.attrs as ConvAttrs;
    // a post-residual activation is a CPU-only epilogue (optimize's cpu option)
    if (pw.node.op !== 'Conv' || pa.post || pw.node.inputs[0] !== mid || pw.node.inputs.indexOf(mid, 1) >= 0) continue;
    if (convKernelFor(pw.inputShapes[0]!, pa) !== 'pointwise') continue;
    if (![dw.node.inputs[1], pw.node.inputs[1]].every((w) => w && floatConst(constants.get(w)))) continue;
    const [dwB, pwB] = [dw, pw].map((c) => ((c.attrs as ConvAttrs).hasBias ? c.node.inputs[2]! : ''));
    const inputs = [dw.node.inputs[0]!, dw.node.inputs[1]!, dwB!, pw.node.inputs[1]!, pwB!, ...(pa.residual ? [pw.node.inputs[3]!] : [])];
    const shape = (i: string, fallback: readonly number[]) => (i === '' ? [] : [...fallback]);
    const fused: ResolvedNode = {
      node: { name: `${dw.node.name}+${pw.node.name}`, op: FusedDwPw.op, inputs, outputs: [pw.node.outputs[0]!], attrs: {} },
      def: FusedDwPw,
      attrs: { dw: da, pw: pa } satisfies DwPwAttrs,
      inputShapes: [
        dw.inputShapes[0]!, dw.inputShapes[1]!, shape(dwB!, dw.inputShapes[2] ?? []),
        pw.inputShapes[1]!, shape(pwB!, pw.inputShapes[2] ?? []), ...(pa.residual ? [pw.inputShapes[3]!] : []),
      ],
      outputShapes: pw.outputShapes,
      cost: { params: dw.cost.params + pw.cost.params, macs: dw.cost.macs + pw.cost.macs },
    };
    if (target !== 'every-pair' && !dwPwWins(dwPwGeometry(fused), target.variant, target.limits)) continue;
    const pi = nodes.indexOf(pw);
    nodes[pi] = fused;
    nodes.splice(k--, 1);
    fusedNames.push(fused.node.name);
  }
}

/**
 * The dw -> pw fusion alone, for a graph already optimized without it (the GPU model and validate() once they know
 * the adapter). 'every-pair' fuses every legal pair whether it wins or not (the kernel sweeps and the traffic bench).
 */
export function fuseDwPwFor(rg: ResolvedGraph, target: DwPwTarget | 'every-pair'): { graph: ResolvedGraph; fused: string[] } {
  const fused: string[] = [];
  const nodes = [...rg.nodes];
  const constants = new Map(rg.constants);
  fuseDwPw(nodes, constants, new Set(rg.graph.outputs), fused, target);
  return { graph: fused.length ? { ...rg, nodes, constants } : rg, fused };
}
