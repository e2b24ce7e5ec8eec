// Relu / Clip after a fused residual, on the GPU: only the software-adapter (register) kernels have the
// epilogue y = act(conv + bias + residual), so the pass runs for that variant alone, and only on convs whose
// act is none (the post activation then is the kernel's act, applied after the residual) and that run a
// generated register kernel (the vec4 register GEMM, which runs every pointwise conv there; vec4 implicit GEMM,
// Winograd), never a fallback.
import { fusePostResidualWhere, fuseResidualsWhere } from '../graph/optimize.js';
import type { ResolvedGraph, ResolvedNode } from '../graph/resolve.js';
import { convKernelFor, type ConvAttrs } from '../ops/conv.js';
import { foldPadResidualFor } from './fold-pad-residual.js';
import type { KernelVariant } from './variant.js';

/** Whether the GPU conv program runs this residual conv's post activation in its register kernel (conv.gpu.ts). */
export function registerPostFusable(conv: ResolvedNode): boolean {
  const a = conv.attrs as ConvAttrs;
  if (a.act.kind !== 'none' || !a.residual) return false;
  const cout = conv.outputShapes[0]![1]!;
  const kernel = convKernelFor(conv.inputShapes[0]!, a);
  if (kernel === 'pointwise') return true;
  return kernel === 'implicit-gemm' && (cout / a.group) % 4 === 0;
}

/** A depthwise conv whose following Add the register depthwise kernel adds after its activation (RES). */
export function registerDepthwiseResidual(conv: ResolvedNode): boolean {
  return convKernelFor(conv.inputShapes[0]!, conv.attrs as ConvAttrs) === 'depthwise';
}

/**
 * The software-adapter variant's graph rewrites: Add after a depthwise conv fused into it, this pass, then the
 * channel-Pad fold (fold-pad-residual.ts).
 */
export function fusePostFor(rg: ResolvedGraph, variant: KernelVariant): ResolvedGraph {
  if (variant !== 'register') return rg;
  const dw = fuseResidualsWhere(rg, registerDepthwiseResidual).graph;
  return foldPadResidualFor(fusePostResidualWhere(dw, registerPostFusable).graph, variant).graph;
}
