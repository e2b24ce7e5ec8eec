import type { FusedActivation } from '../ops/activation.js';
import { convKernelFor, type ConvAttrs } from '../ops/conv.js';
import { foldConstantsIntoBias, foldHardSwish } from './fold-elementwise.js';
import { floatConst, type Value } from './ir.js';
import type { ResolvedGraph, ResolvedNode } from './resolve.js';
import { NodeUses } from './uses.js';

export interface OptimizeReport {
  droppedIdentity: number;
  foldedBatchNorm: number;
  fusedActivation: number;
  fusedResidual: number;
  /** x·relu6(x+3)/6 subgraphs made one HardSwish (then fused like any activation). */
  foldedHardSwish: number;
  /** Per-channel constants added to a conv's output, moved into its bias. */
  foldedConstantAdd: number;
}

function emptyReport(): OptimizeReport {
  return { droppedIdentity: 0, foldedBatchNorm: 0, fusedActivation: 0, fusedResidual: 0, foldedHardSwish: 0, foldedConstantAdd: 0 };
}

/** The activation a node computes, when it is one that a Conv/Gemm epilogue can absorb. */
function activationOf(rn: ResolvedNode): FusedActivation | undefined {
  const a = rn.attrs as Record<string, number>;
  switch (rn.node.op) {
    case 'Relu':
      return { kind: 'relu' };
    case 'Clip':
      return { kind: 'clip', min: a.min!, max: a.max! };
    case 'Sigmoid':
      return { kind: 'sigmoid' };
    case 'HardSigmoid':
      return { kind: 'hardsigmoid', alpha: a.alpha!, beta: a.beta! };
    case 'HardSwish':
      return { kind: 'hardswish' };
    default:
      return undefined;
  }
}

/**
 * Load-time rewrites that change no result beyond float rounding: drop Identity/Dropout, fold an inference
 * BatchNormalization into the Conv that feeds it, and fuse a following activation into the Conv/Gemm epilogue.
 * Each rewrite only applies when the intermediate value has exactly one reader and is not a graph output.
 */
export interface OptimizeOptions {
  /**
   * For the CPU backend: a Relu or Clip after a fused residual joins the conv as its `post` activation (the CPU
   * adds the residual in a pass of its own, which then clamps too; the GPU epilogue has no such step).
   */
  cpu?: boolean;
}

export function optimize(rg: ResolvedGraph, opts: OptimizeOptions = {}): { graph: ResolvedGraph; report: OptimizeReport } {
  const report = emptyReport();
  const constants = new Map(rg.constants);
  const outputs = new Set(rg.graph.outputs);
  const uses = new NodeUses(rg.nodes);

  for (let k = 0; k < uses.length; k++) {
    const rn = uses.at(k);
    if (!rn || (rn.node.op !== 'Identity' && rn.node.op !== 'Dropout') || outputs.has(rn.node.outputs[0]!)) continue;
    if (rn.node.outputs.slice(1).some((o) => o !== '' && uses.readers(o).length)) continue;
    uses.remove(k);
    uses.rename(rn.node.outputs[0]!, rn.node.inputs[0]!);
    report.droppedIdentity++;
  }

  // before the activation fusion below: the folded convs may then take a following activation
  report.foldedHardSwish += foldHardSwish(uses, constants, outputs);
  report.foldedConstantAdd += foldConstantsIntoBias(uses, constants, outputs);

  for (let k = 0; k < uses.length; k++) {
    const rn = uses.at(k);
    if (!rn || (rn.node.op !== 'Conv' && rn.node.op !== 'Gemm')) continue;
    const out = rn.node.outputs[0]!;
    if (outputs.has(out)) continue;
    const rd = uses.readers(out);
    if (rd.length !== 1) continue;
    const nk = rd[0]!;
    const next = uses.at(nk)!;
    if (next.node.inputs[0] !== out) continue;

    if (rn.node.op === 'Conv' && next.node.op === 'BatchNormalization') {
      const folded = foldBatchNorm(rn, next, constants);
      if (!folded) continue;
      uses.remove(nk);
      uses.set(k, takeOutput(folded, next));
      report.foldedBatchNorm++;
      k--;
      continue;
    }
    const act = activationOf(next);
    const attrs = rn.attrs as { act?: FusedActivation };
    if (act && attrs.act?.kind === 'none') {
      uses.remove(nk);
      uses.set(k, takeOutput({ ...rn, attrs: { ...attrs, act } }, next));
      report.fusedActivation++;
      k--;
    }
  }
  fuseResiduals(uses, rg, outputs, report);
  if (opts.cpu) fusePostResidual(uses, outputs, report);
  // a constant added after a residual conv (TF's bias add, reordered by its ArithmeticOptimizer)
  report.foldedConstantAdd += foldConstantsIntoBias(uses, constants, outputs);
  return { graph: { ...rg, nodes: uses.nodes(), constants }, report };
}

/**
 * Add(conv, r) -> one Conv whose epilogue adds r, when `accept` takes the conv (by default a GEMM-shaped kernel, not
 * depthwise), its output has no other reader, and r has the output's shape. The fused conv runs where the conv ran
 * when r is ready by then, else where the Add ran (its own inputs are ready earlier still, and nothing between read
 * its output): BlazeFace pads its MaxPool shortcut after the conv it is added to.
 */
function fuseResiduals(
  uses: NodeUses, rg: ResolvedGraph, outputs: Set<string>, report: OptimizeReport,
  accept: (conv: ResolvedNode) => boolean = (conv) => convKernelFor(conv.inputShapes[0]!, conv.attrs as ConvAttrs) !== 'depthwise',
): void {
  for (let k = 0; k < uses.length; k++) {
    const add = uses.at(k);
    if (!add || add.node.op !== 'Add' || add.node.inputs.length !== 2) continue;
    const out = add.outputShapes[0]!;
    if (!add.inputShapes.every((s) => s.length === out.length && s.every((d, i) => d === out[i]))) continue;
    for (const side of [0, 1]) {
      const convOut = add.node.inputs[side]!;
      const other = add.node.inputs[1 - side]!;
      const ci = uses.producer(convOut);
      if (ci === undefined || outputs.has(convOut)) continue;
      const conv = uses.at(ci)!;
      const a = conv.attrs as ConvAttrs;
      if (conv.node.op !== 'Conv' || a.residual || !accept(conv)) continue;
      if (uses.readers(convOut).some((j) => j !== k)) continue;
      if (rg.constants.has(other) || other === convOut) continue;
      const at = (uses.producer(other) ?? -1) < ci ? ci : k;
      const inputs = [...conv.node.inputs];
      while (inputs.length < 3) inputs.push('');
      uses.remove(at === ci ? k : ci);
      uses.set(at, {
        ...conv,
        node: { ...conv.node, inputs: [...inputs, other], outputs: [add.node.outputs[0]!] },
        attrs: { ...a, residual: true },
        inputShapes: [...[0, 1, 2].map((i) => conv.inputShapes[i] ?? []), out],
      });
      report.fusedResidual++;
      break;
    }
  }
}

/** One pass of this file on its own: the rewritten graph (rg itself when the pass changed nothing) and its count. */
function passAlone(
  rg: ResolvedGraph, pass: (uses: NodeUses, outputs: Set<string>, report: OptimizeReport) => void, count: (r: OptimizeReport) => number,
): { graph: ResolvedGraph; fused: number } {
  const uses = new NodeUses(rg.nodes);
  const report = emptyReport();
  pass(uses, new Set(rg.graph.outputs), report);
  const fused = count(report);
  return { graph: fused ? { ...rg, nodes: uses.nodes() } : rg, fused };
}

/** The residual fusion alone, for the convs `accept` allows (the GPU's register depthwise kernel, src/gpu/fuse-post.ts). */
export function fuseResidualsWhere(rg: ResolvedGraph, accept: (conv: ResolvedNode) => boolean): { graph: ResolvedGraph; fused: number } {
  return passAlone(rg, (uses, outputs, report) => fuseResiduals(uses, rg, outputs, report, accept), (r) => r.fusedResidual);
}

/**
 * The post-residual fusion alone, for the residual convs `accept` allows: the GPU's software-adapter kernels
 * (src/gpu/fuse-post.ts), whose epilogue can add the residual before an activation.
 */
export function fusePostResidualWhere(rg: ResolvedGraph, accept: (conv: ResolvedNode) => boolean): { graph: ResolvedGraph; fused: number } {
  return passAlone(rg, (uses, outputs, report) => fusePostResidual(uses, outputs, report, accept), (r) => r.fusedActivation);
}

/** Residual conv -> Relu/Clip (its only reader) becomes the conv's `post` activation. */
function fusePostResidual(uses: NodeUses, outputs: Set<string>, report: OptimizeReport, accept: (conv: ResolvedNode) => boolean = () => true): void {
  for (let k = 0; k < uses.length; k++) {
    const conv = uses.at(k);
    const a = conv?.attrs as ConvAttrs;
    if (!conv || conv.node.op !== 'Conv' || !a.residual || a.post || !accept(conv)) continue;
    const out = conv.node.outputs[0]!;
    if (outputs.has(out)) continue;
    const rd = uses.readers(out);
    const reader = rd.length === 1 ? uses.at(rd[0]!)! : undefined;
    if (!reader || reader.node.inputs[0] !== out) continue;
    const act = activationOf(reader);
    if (act?.kind !== 'relu' && act?.kind !== 'clip') continue;
    uses.remove(rd[0]!);
    uses.set(k, takeOutput({ ...conv, attrs: { ...a, post: act } }, reader));
    report.fusedActivation++;
  }
}

/** The fused node produces the absorbed node's output name, so readers and graph outputs need no renaming. */
function takeOutput(fused: ResolvedNode, absorbed: ResolvedNode): ResolvedNode {
  return { ...fused, node: { ...fused.node, outputs: [absorbed.node.outputs[0]!] } };
}

function foldBatchNorm(conv: ResolvedNode, bn: ResolvedNode, constants: Map<string, Value>): ResolvedNode | undefined {
  const a = conv.attrs as ConvAttrs;
  if (a.act.kind !== 'none') return undefined;
  const w = floatConst(constants.get(conv.node.inputs[1]!));
  const [scale, beta, mean, variance] = [1, 2, 3, 4].map((i) => floatConst(constants.get(bn.node.inputs[i]!)));
  if (!w || !scale || !beta || !mean || !variance) return undefined;
  const b = a.hasBias ? floatConst(constants.get(conv.node.inputs[2]!)) : undefined;
  if (a.hasBias && !b) return undefined;
  const eps = (bn.attrs as { epsilon: number }).epsilon;
  const cout = w.shape[0]!;
  const per = w.data.length / cout;
  const nw = new Float32Array(w.data.length);
  const nb = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    const s = scale.data[o]! / Math.sqrt(variance.data[o]! + eps);
    for (let i = 0; i < per; i++) nw[o * per + i] = w.data[o * per + i]! * s;
    nb[o] = ((b ? b.data[o]! : 0) - mean.data[o]!) * s + beta.data[o]!;
  }
  const wName = `${conv.node.name}::bn_folded_weight`;
  const bName = `${conv.node.name}::bn_folded_bias`;
  constants.set(wName, { shape: w.shape, data: nw });
  constants.set(bName, { shape: [cout], data: nb });
  const inputShapes = [conv.inputShapes[0]!, w.shape, [cout]];
  return {
    ...conv,
    node: { ...conv.node, inputs: [conv.node.inputs[0]!, wName, bName] },
    attrs: { ...a, hasBias: true },
    inputShapes,
    cost: conv.def.cost?.(inputShapes, conv.outputShapes, { ...a, hasBias: true }) ?? conv.cost,
  };
}
