import { isInt, type Value } from '../graph/ir.js';
import { checkInputs } from '../inputs.js';
import { EMPTY_VALUE, runKernel, type ResolvedGraph } from '../graph/resolve.js';
import { usesOf } from '../graph/uses.js';
import { asFloat } from '../ops/types.js';
import type { Tensor } from '../tensor.js';
import { CPU_KERNELS, type CpuKernel } from './kernels.js';
import { BufferPool, setActivePool } from './pool.js';

export interface CpuRunOptions {
  /** Use each op's fast kernel where it has one (default true); false runs the reference oracle. */
  fast?: boolean;
  /**
   * Called after each node with its outputs (validation harness, profiling). With a hook no intermediate is
   * recycled (the hook may keep it).
   */
  onNode?: (index: number, outputs: Value[], ms: number) => void;
}

const sharedPool = new BufferPool();

/**
 * Runs a resolved graph on the CPU's JavaScript kernels (runner.ts: where WebAssembly SIMD is missing; the tests'
 * oracle with `fast` false) and returns the graph outputs (float32). With the fast kernels and no onNode hook,
 * intermediates live in recycled buffers (pool.ts).
 */
export function runCpu(rg: ResolvedGraph, inputs: Record<string, unknown>, opts: CpuRunOptions = {}): Map<string, Tensor> {
  const fast = opts.fast ?? true;
  const env = new Map<string, Value>(rg.constants);
  for (const [k, v] of checkInputs(rg, inputs)) env.set(k, v);
  const plain = fast && !opts.onNode;
  const pool = plain ? sharedPool : undefined;
  const dies = plain ? usesOf(rg).lastUse : undefined;
  const keep = (name: string, v: Value) => {
    env.set(name, v);
    if (pool && !isInt(v)) pool.retain(v.data);
  };
  const drop = (k: number) => {
    for (const name of dies?.get(k) ?? []) {
      const v = env.get(name);
      if (v && !isInt(v)) pool!.release(v.data);
      env.delete(name);
    }
  };
  const outer = setActivePool(pool);
  try {
    for (let idx = 0; idx < rg.nodes.length; idx++) {
      const rn = rg.nodes[idx]!;
      const ins = rn.node.inputs.map((i) => (i === '' ? EMPTY_VALUE : env.get(i)!));
      const kernel: CpuKernel = (fast && CPU_KERNELS.get(rn.node.op)) || rn.def.reference;
      const t0 = opts.onNode ? performance.now() : 0;
      const outs = runKernel(rn.node, () => kernel.call(rn.def, ins, rn.attrs));
      rn.node.outputs.forEach((o, k) => o !== '' && keep(o, outs[k]!));
      drop(idx);
      opts.onNode?.(idx, outs, performance.now() - t0);
    }
  } finally {
    setActivePool(outer);
    pool?.endRun();
  }
  const result = new Map<string, Tensor>();
  for (const o of rg.graph.outputs) result.set(o, asFloat(env.get(o), `output ${o}`));
  return result;
}
