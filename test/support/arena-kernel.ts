/**
 * Runs one ArenaKernel on one node, outside the planner: inputs placed in the layouts the kernel asks for, its
 * calls made once (threads: each tiled call split into `split` ranges, to show results do not depend on the
 * split), outputs read back in logical layout. For fast-vs-reference sweeps of the CPU engine's kernels.
 */
import type { Value } from '../../src/graph/ir.js';
import { resolve, type ResolvedNode } from '../../src/graph/resolve.js';
import { ARENA_KERNELS } from '../../src/cpu/arena/kernels.js';
import { instantiateKernels, kernelMemory, kernelModule } from '../../src/cpu/arena/module.js';
import { type ArenaKernel, type Layout, type Slot } from '../../src/cpu/arena/types.js';
import type { Tensor } from '../../src/tensor.js';

const align = (n: number) => (n + 15) & ~15;

/** Logical row-major data → the physical order of `layout`. */
export function toLayout(t: Tensor, layout: Layout): Float32Array {
  if (layout === 'plain' || t.shape.length !== 4) return t.data.slice();
  const [n, c, h, w] = t.shape as number[];
  const out = new Float32Array(t.data.length);
  for (let b = 0; b < n!; b++)
    for (let ch = 0; ch < c!; ch++)
      for (let p = 0; p < h! * w!; p++) out[(b * h! * w! + p) * c! + ch] = t.data[(b * c! + ch) * h! * w! + p]!;
  return out;
}

export function fromLayout(data: Float32Array, shape: readonly number[], layout: Layout): Float32Array {
  if (layout === 'plain' || shape.length !== 4) return data.slice();
  const [n, c, h, w] = shape as number[];
  const out = new Float32Array(data.length);
  for (let b = 0; b < n!; b++)
    for (let ch = 0; ch < c!; ch++)
      for (let p = 0; p < h! * w!; p++) out[(b * c! + ch) * h! * w! + p] = data[(b * h! * w! + p) * c! + ch]!;
  return out;
}

export interface NodeSpec {
  op: string;
  attrs?: Record<string, unknown>;
  /** Non-constant inputs (fed at run time), in input order with the constants. */
  inputs: (Tensor | { constant: Value } | undefined)[];
  outputs?: number;
}

export interface KernelRun {
  outputs: Tensor[];
  /** The node as resolved (shapes, attrs) — e.g. for the reference kernel. */
  rn: ResolvedNode;
  /** Layouts the kernel chose; undefined when it declined the node. */
  layouts?: { inputs: (Layout | undefined)[]; outputs: Layout[] };
}

/**
 * The node `spec` through ARENA_KERNELS (or `kernel`), with every tiled call split into `split` pieces. Returns no
 * outputs when the kernel declines the node (layouts() undefined).
 */
export function runArenaKernel(
  spec: NodeSpec, o: { split?: number; kernel?: ArenaKernel; have?: (Layout | undefined)[]; wanted?: (Layout | undefined)[] } = {},
): KernelRun {
  const inputs = spec.inputs.map((x, i) => (x === undefined ? '' : `in${i}`));
  const outputs = Array.from({ length: spec.outputs ?? 1 }, (_, i) => `out${i}`);
  const initializers = new Map<string, Value>();
  const graphInputs: { name: string; shape: number[] }[] = [];
  spec.inputs.forEach((x, i) => {
    if (!x) return;
    if ('constant' in x) initializers.set(`in${i}`, x.constant);
    else graphInputs.push({ name: `in${i}`, shape: [...x.shape] });
  });
  const graph = {
    name: 'one', opset: 17, outputs, initializers,
    inputs: graphInputs.map((g) => ({ name: g.name, shape: g.shape })),
    nodes: [{ name: 'n', op: spec.op, inputs, outputs, attrs: (spec.attrs ?? {}) as never }],
  };
  const rg = resolve(graph as never);
  const rn = rg.nodes[0]!;
  const kernel = o.kernel ?? ARENA_KERNELS.get(spec.op);
  if (!kernel) throw new Error(`no arena kernel for ${spec.op}`);
  const have = o.have ?? spec.inputs.map((x) => (x && !('constant' in x) ? 'plain' : undefined));
  const layouts = kernel.layouts(rn, have, o.wanted);
  if (!layouts) return { outputs: [], rn };

  const k = kernelModule(false);
  const mem = kernelMemory(64 << 20, false);
  const ex = instantiateKernels(k, mem);
  let top = kernelModule(false).heapBase;
  const take = (bytes: number) => {
    const at = top;
    top = align(top + bytes + 16);
    if (top > mem.buffer.byteLength) mem.grow(Math.ceil((top - mem.buffer.byteLength) / 65536) + 1);
    return at;
  };
  const f32 = () => new Float32Array(mem.buffer);
  const slots: (Slot | undefined)[] = spec.inputs.map((x, i) => {
    if (!x || 'constant' in x) return undefined;
    const layout = layouts.inputs[i] ?? have[i] ?? 'plain';
    const s: Slot = { offset: take(x.data.length * 4), shape: x.shape, layout };
    f32().set(toLayout(x, layout), s.offset / 4);
    return s;
  });
  const outSlots: Slot[] = rn.outputShapes.map((shape, i) => ({ offset: take(shape.reduce((a, b) => a * b, 1) * 4), shape, layout: layouts.outputs[i]! }));
  const calls = kernel.build({
    node: rn,
    input: (i) => slots[i],
    output: (i) => outSlots[i]!,
    constant: (i) => {
      const v = initializers.get(inputs[i]!) ?? rg.constants.get(inputs[i]!);
      return v && !('ints' in v) ? (v as Tensor).data : undefined;
    },
    weights: (data) => {
      const at = take(data.length * 4);
      f32().set(data, at / 4);
      return at;
    },
  });
  const split = o.split ?? 1;
  for (const c of calls) {
    const fn = ex[c.fn];
    if (!fn) throw new Error(`kernel module has no export ${c.fn}`);
    const pieces = c.tiles === undefined ? [[]] : Array.from({ length: Math.min(split, Math.max(1, c.tiles)) }, (_, t, a = Math.min(split, Math.max(1, c.tiles!))) => [Math.floor((c.tiles! * t) / a), Math.floor((c.tiles! * (t + 1)) / a)]);
    for (const range of pieces) {
      const args = [...c.args];
      if (c.scratch) args[c.scratch.arg] = take(c.scratch.bytes);
      fn(...args, ...range);
    }
  }
  const mem32 = f32();
  const outs = outSlots.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    return { shape: [...s.shape], data: fromLayout(mem32.slice(s.offset / 4, s.offset / 4 + n), s.shape, s.layout) };
  });
  return { outputs: outs, rn, layouts };
}
