// The depthwise -> pointwise fusion for the GPU. Kept out of optimize.ts: it needs the GPU kernels' cost rule
// (dwPwWins), and CPU-only bundles must not pull those kernels and their WGSL in.
import { dwPwWins } from './kernels/dwpw.js';
import type { KernelVariant } from './variant.js';
import { convKernelFor, type ConvAttrs } from '../ops/conv.js';
import { dwPwGeometry } from './programs/dwpw.gpu.js';
import { dwPwUnits, fuseDwPwUnits, fusedDwPwNode } from '../graph/dwpw-units.js';
import type { Value } from '../graph/ir.js';
import { floatConst } from '../graph/ir.js';
import type { ResolvedGraph, ResolvedNode } from '../graph/resolve.js';

/** The GPU a graph is optimized for: which kernel variant its adapter runs, and its limits. */
export interface DwPwTarget {
  variant: KernelVariant;
  limits: Readonly<Record<string, number>>;
}

/**
 * Conv(depthwise) -> Conv(pointwise) -> one FusedDwPw node (src/ops/dwpw.ts), after activations and residuals
 * are fused into both, when the pair is a unit (dwpw-units.ts: the depthwise output has no other reader and is
 * no graph output), both weights are constants, and the fused kernel beats the pair on the target GPU
 * (dwPwWins). Runs last, so the pointwise conv's epilogue is complete.
 */
function gpuFuses(dw: ResolvedNode, pw: ResolvedNode, constants: ReadonlyMap<string, Value>, target: DwPwTarget | 'every-pair'): boolean {
  const da = dw.attrs as ConvAttrs;
  const pa = pw.attrs as ConvAttrs;
  if (da.residual || convKernelFor(dw.inputShapes[0]!, da) !== 'depthwise') return false;
  // a post-residual activation is a CPU-only epilogue (optimize's cpu option)
  if (pa.post || convKernelFor(pw.inputShapes[0]!, pa) !== 'pointwise') return false;
  if (![dw.node.inputs[1], pw.node.inputs[1]].every((w) => w && floatConst(constants.get(w)))) return false;
  return target === 'every-pair' || dwPwWins(dwPwGeometry(fusedDwPwNode(dw, pw)), target.variant, target.limits);
}

/**
 * The dw -> pw fusion alone, for a graph already optimized without it (the GPU model and validate() once they know
 * the adapter). 'every-pair' fuses every legal pair whether it wins or not (the kernel sweeps and the traffic bench).
 */
export function fuseDwPwFor(rg: ResolvedGraph, target: DwPwTarget | 'every-pair'): { graph: ResolvedGraph; fused: string[] } {
  const units = dwPwUnits(rg, { pair: (dw, pw) => gpuFuses(dw, pw, rg.constants, target) });
  return fuseDwPwUnits(rg, units);
}
