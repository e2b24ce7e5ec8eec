/**
 * Compiles a resolved graph for the CPU engine at load: each float tensor gets a layout (NHWC for 4-D tensors that
 * convs, pools and resizes read; row-major otherwise), every Transpose/Reshape that only relabels bytes becomes an
 * alias, a conversion is inserted only where a reader needs the other layout (a graph output no node reads is asked
 * of its producer row-major: a conv writes it so itself, with no conversion after it), each op's kernel (kernels.ts)
 * packs its constants once and returns the calls it makes; ops without one run their reference kernel in JavaScript.
 * Zero spatial Pads feeding only Convs fold into the Convs' padding (fold-pad.ts); depthwise-separable chains of Convs
 * run fused where that pays (chain.ts). Offsets come from liveness
 * (offsets.ts); the arena is [activations | constants | per-thread scratch].
 */
import type { ResolvedGraph, ResolvedNode } from '../../graph/resolve.js';
import { isInt } from '../../graph/ir.js';
import { sameShape, sizeOf } from '../../tensor.js';
import { ARENA_KERNELS } from './kernels.js';
import { padFolds } from './fold-pad.js';
import { convChains, type ChainKernel } from './chain.js';
import { CHAIN_OP } from './ops/conv-chain.js';
import { planOffsets } from './offsets.js';
import { layoutCopy } from './ops/strided.js';
import type { ArenaKernel, Call, Layout, Slot } from './types.js';

/** A float tensor in the arena; an alias shares its root's bytes. */
export interface ArenaValue {
  name: string;
  shape: number[];
  layout: Layout;
  root?: ArenaValue;
  first: number;
  last: number;
  offset: number;
}

export type PlannedStep =
  /** Wasm calls made at every run. */
  | { node: number; calls: Call[] }
  /** The node's reference kernel in JavaScript: inputs and float outputs are plain arena tensors. */
  | { node: number; js: { rn: ResolvedNode; ins: string[]; outs: string[] } };

export interface ArenaPlan {
  steps: PlannedStep[];
  values: Map<string, ArenaValue>;
  /** Values held outside the arena (integer tensors). */
  ints: Set<string>;
  /** The arena value (row-major) each graph output is read from. */
  outputs: Map<string, string>;
  /** Bytes of the activation region (the planned arena), of every activation laid end to end, of the constants. */
  arenaBytes: number;
  activationBytes: number;
  weights: { offset: number; data: Float32Array }[];
  weightBytes: number;
  /** Where the per-thread scratch starts, and each thread's share. */
  scratchOffset: number;
  scratchBytes: number;
  /** Bytes of memory the plan needs from address 0. */
  memoryBytes: number;
  /** Ops that run in JavaScript (no kernel here, or a case the kernel declines), with their count. */
  fallbacks: Map<string, number>;
}

const align16 = (n: number) => (n + 15) & ~15;
const ALIAS_OPS = new Set(['Identity', 'Dropout', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);
/** Ops whose output is an integer tensor when their inputs are (the reference kernels' own rule). */
const INT_PROPAGATE = new Set(['Identity', 'Concat', 'Where', 'Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Sum', 'Mean', 'Neg', 'Abs']);

/** 4-D tensors whose NHWC and row-major bytes are the same (one channel, or one pixel). */
const layoutFree = (shape: readonly number[]) => shape.length !== 4 || shape[1] === 1 || shape[2]! * shape[3]! === 1;

export function planArena(rg: ResolvedGraph, base: number, threads = 1, kernels: ReadonlyMap<string, ArenaKernel> = ARENA_KERNELS): ArenaPlan {
  const values = new Map<string, ArenaValue>();
  const ints = new Set<string>();
  const steps: { node: number; kernel?: ArenaKernel; rn: ResolvedNode; ins: string[]; outs: string[]; convert?: true }[] = [];
  const fallbacks = new Map<string, number>();
  for (const [name, v] of rg.constants) if (isInt(v)) ints.add(name);

  const add = (name: string, shape: readonly number[], layout: Layout, of?: ArenaValue): ArenaValue => {
    const v: ArenaValue = { name, shape: [...shape], layout: shape.length === 4 ? layout : 'plain', root: of ? (of.root ?? of) : undefined, first: Infinity, last: -1, offset: 0 };
    values.set(name, v);
    return v;
  };
  for (const [name, shape] of rg.inputShapes) add(name, shape, 'plain');

  /** `name` in `layout`: itself, a free relabelling, or a converted copy made once. */
  const inLayout = (name: string, layout: Layout, node: number, rn: ResolvedNode): string => {
    const v = values.get(name)!;
    if (v.layout === layout || v.shape.length !== 4) return name;
    const key = `${name}\u0000${layout}`;
    if (values.has(key)) return key;
    if (layoutFree(v.shape)) {
      add(key, v.shape, layout, v);
      return key;
    }
    add(key, v.shape, layout);
    steps.push({ node, rn, ins: [name], outs: [key], convert: true });
    return key;
  };

  // a graph output no node reads is best written row-major by its producer (no conversion step after it)
  const read = new Set(rg.nodes.flatMap((rn) => rn.node.inputs));
  const wantedOf = (outs: readonly string[]) => outs.map((o): Layout | undefined => (rg.graph.outputs.includes(o) && !read.has(o) ? 'plain' : undefined));
  const folds = padFolds(rg);
  const chainKernel: ChainKernel | undefined = kernels.get(CHAIN_OP);
  const chains = chainKernel
    ? convChains(rg, (k) => folds.convs.get(k) ?? rg.nodes[k]!, folds.skip, chainKernel.pays)
    : { skip: new Set<number>(), nodes: new Map<number, ResolvedNode>() };
  rg.nodes.forEach((given, idx) => {
    if (folds.skip.has(idx) || chains.skip.has(idx)) return;
    const rn = chains.nodes.get(idx) ?? folds.convs.get(idx) ?? given;
    const { op, inputs, outputs } = rn.node;
    const intIn = inputs.some((n) => n !== '' && ints.has(n) && !rg.constants.has(n));
    const x = values.get(inputs[0] ?? '');
    if (!intIn && x && outputs.length === 1) {
      const out = outputs[0]!;
      const shape = rn.outputShapes[0]!;
      if (ALIAS_OPS.has(op) && (x.layout === 'plain' || layoutFree(x.shape))) return void add(out, shape, 'plain', x);
      if (op === 'Transpose' && x.shape.length === 4) {
        const { perm } = rn.attrs as { perm: number[] };
        if (x.layout === 'nhwc' && sameShape(perm, [0, 2, 3, 1])) return void add(out, shape, 'plain', x);
        if (x.layout === 'plain' && sameShape(perm, [0, 3, 1, 2])) return void add(out, shape, 'nhwc', x);
      }
    }
    const kernel = intIn ? undefined : kernels.get(op);
    const have = inputs.map((n) => values.get(n)?.layout);
    const want = kernel?.layouts(rn, have, wantedOf(outputs));
    if (want) {
      const ins = inputs.map((n, i) => (values.has(n) ? inLayout(n, want.inputs[i] ?? have[i]!, idx, rn) : n));
      outputs.forEach((o, i) => o !== '' && add(o, rn.outputShapes[i]!, want.outputs[i] ?? 'plain'));
      steps.push({ node: idx, kernel, rn, ins, outs: outputs });
      return;
    }
    fallbacks.set(op, (fallbacks.get(op) ?? 0) + 1);
    const ins = inputs.map((n) => (values.has(n) ? inLayout(n, 'plain', idx, rn) : n));
    outputs.forEach((o, i) => {
      if (o === '') return;
      if ((op === 'TopK' && i === 1) || (intIn && INT_PROPAGATE.has(op))) ints.add(o);
      else add(o, rn.outputShapes[i]!, 'plain');
    });
    steps.push({ node: idx, rn, ins, outs: outputs });
  });

  // a graph output kept NHWC is converted once, in wasm, by the last step (the run then copies it out as is)
  const outputs = new Map<string, string>();
  for (const o of rg.graph.outputs) {
    const v = values.get(o);
    if (v) outputs.set(o, v.layout === 'nhwc' ? inLayout(o, 'plain', rg.nodes.length - 1, rg.nodes[rg.nodes.length - 1]!) : o);
  }

  // liveness over the step list; aliases keep their root alive
  const rootOf = (v: ArenaValue) => v.root ?? v;
  steps.forEach((s, k) => {
    for (const n of s.ins) {
      const v = values.get(n);
      if (v) rootOf(v).last = Math.max(rootOf(v).last, k);
    }
    for (const n of s.outs) {
      const v = values.get(n);
      if (v) rootOf(v).first = Math.min(rootOf(v).first, k);
    }
  });
  for (const [name] of rg.inputShapes) {
    const v = values.get(name)!;
    v.first = -1;
    v.last = Math.max(v.last, -1);
  }
  for (const o of outputs.values()) rootOf(values.get(o)!).last = steps.length;
  // a value nobody reads still gets written by its producer
  const roots = [...values.values()].filter((v) => !v.root && v.first !== Infinity);
  for (const v of roots) v.last = Math.max(v.last, v.first);
  const { offsets, total } = planOffsets(roots.map((v) => ({ bytes: sizeOf(v.shape) * 4 + 16, first: v.first, last: v.last })));
  roots.forEach((v, i) => (v.offset = base + offsets[i]!));
  for (const v of values.values()) if (v.root) v.offset = v.root.offset;

  let top = align16(base + total);
  const placed: { offset: number; data: Float32Array }[] = [];
  const weights = (data: Float32Array) => {
    const offset = top;
    placed.push({ offset, data });
    top = align16(top + data.length * 4 + 16);
    return offset;
  };
  const slot = (n: string): Slot | undefined => {
    const v = values.get(n);
    return v && { offset: v.offset, shape: v.shape, layout: v.layout };
  };
  const planned: PlannedStep[] = [];
  let scratch = 0;
  for (const s of steps) {
    if (s.convert) {
      planned.push({ node: s.node, calls: layoutCopy({ weights }, slot(s.ins[0]!)!, slot(s.outs[0]!)!) });
      continue;
    }
    if (!s.kernel) {
      planned.push({ node: s.node, js: { rn: s.rn, ins: s.ins, outs: s.outs } });
      continue;
    }
    const rn = s.rn;
    const calls = s.kernel.build({
      node: rn,
      input: (i) => slot(s.ins[i] ?? ''),
      output: (i) => slot(s.outs[i]!)!,
      constant: (i) => {
        // an integer constant as floats, as the reference kernels read it (asFloat)
        const c = rg.constants.get(rn.node.inputs[i] ?? '');
        return c && (isInt(c) ? Float32Array.from(c.ints) : c.data);
      },
      weights,
    });
    for (const c of calls) if (c.scratch) scratch = Math.max(scratch, align16(c.scratch.bytes));
    planned.push({ node: s.node, calls });
  }
  const weightBytes = top - align16(base + total);
  const scratchOffset = top;
  let activationBytes = 0;
  for (const v of values.values()) if (!v.root) activationBytes += sizeOf(v.shape) * 4;
  return {
    steps: planned, values, ints, outputs, arenaBytes: total, activationBytes, weights: placed, weightBytes,
    scratchOffset, scratchBytes: scratch, memoryBytes: scratchOffset + scratch * Math.max(1, threads) + 16, fallbacks,
  };
}

