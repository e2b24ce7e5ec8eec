import { isInt, type Value } from '../graph/ir.js';
import { checkInputs } from '../inputs.js';
import { dwPwUnits } from '../graph/dwpw-units.js';
import { EMPTY_VALUE, runKernel, type ResolvedGraph } from '../graph/resolve.js';
import { usesOf } from '../graph/uses.js';
import type { ConvAttrs } from '../ops/conv.js';
import { dwOutputShape, FUSED_DWPW, type DwPwAttrs } from '../ops/dwpw.js';
import { applyActivationRange } from '../ops/activation.js';
import { asFloat } from '../ops/types.js';
import { sameShape, sizeOf, type Tensor } from '../tensor.js';
import { canFuseDwPw, canFusePwDw, convChainFast } from './conv-fast.js';
import type { KernelOptions } from './kernel-options.js';
import { CPU_KERNELS, type CpuKernel } from './kernels.js';
import { BufferPool, outputBuffer, setActivePool } from './pool.js';
import type { ThreadPlan } from './thread-plan.js';
import { wasm } from './wasm-kernels.js';

export interface CpuRunOptions extends KernelOptions {
  /** Use each op's fast kernel where it has one (default true); false runs the reference oracle. */
  fast?: boolean;
  /**
   * Called after each node with its outputs (validation harness, profiling). With a hook every node runs on its
   * own; without one, depthwise convs run fused with the pointwise convs around them (fusableChains).
   */
  onNode?: (index: number, outputs: Value[], ms: number) => void;
  /** Which steps go on the thread team, measured over the first runs (thread-plan.ts); absent: every step does. */
  plan?: ThreadPlan;
}

const chainsOf = new WeakMap<ResolvedGraph, Map<number, number>>();

/**
 * Fused conv chains, as start index -> length: the graph's depthwise -> pointwise units (graph/dwpw-units.ts)
 * the wasm chain kernel runs: a depthwise Conv and the pointwise Conv right after it (length 2), with in front,
 * when there is one, the pointwise Conv whose output only that depthwise conv reads (length 3: a MobileNetV2
 * inverted residual). A FusedDwPw node runs fused on its own; with that pointwise Conv in front it is a chain of
 * length 2. No fused intermediate is a graph output; they never leave wasm memory (conv-fast.ts convChainFast).
 */
export function fusableChains(rg: ResolvedGraph): Map<number, number> {
  let chains = chainsOf.get(rg);
  if (chains) return chains;
  const units = dwPwUnits(rg, {
    adjacent: true,
    pair: (d, p) =>
      canFuseDwPw(d.inputShapes[0]!, d.attrs as ConvAttrs, d.outputShapes[0]!, p.inputShapes[1]!, p.attrs as ConvAttrs),
    expand: {
      conv: (e) => canFusePwDw(e.inputShapes[0]!, e.attrs as ConvAttrs, e.outputShapes[0]!),
      fused: (f) => {
        const a = f.attrs as DwPwAttrs;
        return canFuseDwPw(f.inputShapes[0]!, a.dw, dwOutputShape(f.inputShapes[0]!, f.inputShapes[1]!, a.dw), f.inputShapes[3]!, a.pw);
      },
    },
  });
  chains = new Map(units.map((u) => [u.expand ?? u.dw, u.pw - (u.expand ?? u.dw) + 1]));
  chainsOf.set(rg, chains);
  return chains;
}

type RNode = ResolvedGraph['nodes'][number];

/** Runs a fused chain (nodes[start .. start + len)); undefined when the wasm kernels are unavailable. */
function runChain(nodes: RNode[], env: Map<string, Value>, o: KernelOptions): Value[] | undefined {
  const get = (name: string | undefined, what: string) => asFloat(name ? env.get(name) : undefined, what);
  const params = (rn: RNode, a: ConvAttrs = rn.attrs as ConvAttrs, wi = 1) => ({
    w: get(rn.node.inputs[wi], 'Conv weight').data,
    bias: a.hasBias ? get(rn.node.inputs[wi + 1], 'Conv bias').data : undefined,
    a,
  });
  const first = nodes[0]!;
  const last = nodes[nodes.length - 1]!;
  const fused = last.node.op === FUSED_DWPW ? (last.attrs as DwPwAttrs) : undefined;
  const x = get(first.node.inputs[0], 'Conv input');
  if (!sameShape(x.shape, first.inputShapes[0]!)) return undefined;
  const ys = last.outputShapes[0]!;
  const y = outputBuffer(sizeOf(ys));
  const pa = fused?.pw ?? (last.attrs as ConvAttrs);
  const residual = pa.residual ? get(last.node.inputs[fused ? 5 : 3], 'Conv residual').data : undefined;
  if (residual && residual.length !== y.length)
    throw new RangeError(`fused residual has ${residual.length} values, the conv output ${y.length}`);
  const expand = nodes.length === (fused ? 2 : 3) ? params(first) : undefined;
  const dwNode = fused ? last : nodes[nodes.length - 2]!;
  const dw = fused ? params(last, fused.dw) : params(dwNode);
  const pw = fused ? params(last, fused.pw, 3) : params(last);
  const done = convChainFast(x.data, x.shape, expand, dw, dwNode.inputShapes[0]!, pw, residual, y, ys, o);
  if (!done) return undefined;
  if (pa.post) applyActivationRange(y, 0, y.length, pa.post);
  return [{ shape: ys, data: y }];
}

const sharedPool = new BufferPool();

/**
 * Runs a resolved graph on the CPU and returns the graph outputs (float32). With the fast kernels and no onNode
 * hook, intermediates live in recycled buffers (pool.ts) and depthwise -> pointwise pairs run fused.
 */
export function runCpu(rg: ResolvedGraph, inputs: Record<string, unknown>, opts: CpuRunOptions = {}): Map<string, Tensor> {
  const fast = opts.fast ?? true;
  const env = new Map<string, Value>(rg.constants);
  for (const [k, v] of checkInputs(rg, inputs)) env.set(k, v);
  const plain = fast && !opts.onNode;
  const chains = plain ? fusableChains(rg) : undefined;
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
  const plan = fast && opts.plan && (wasm(opts)?.threads ?? 1) > 1 ? opts.plan : undefined;
  const step = <T>(idx: number, f: () => T): T => (plan ? plan.step(idx, f) : f());
  const outer = setActivePool(pool);
  try {
    for (let idx = 0; idx < rg.nodes.length; idx++) {
      const rn = rg.nodes[idx]!;
      const len = chains?.get(idx);
      if (len) {
        const chain = rg.nodes.slice(idx, idx + len);
        const outs = step(idx, () => runKernel(chain[len - 1]!.node, () => runChain(chain, env, opts)));
        if (outs) {
          keep(chain[len - 1]!.node.outputs[0]!, outs[0]!);
          for (let k = idx; k < idx + len; k++) drop(k);
          idx += len - 1;
          continue;
        }
      }
      const ins = rn.node.inputs.map((i) => (i === '' ? EMPTY_VALUE : env.get(i)!));
      const kernel: CpuKernel = (fast && CPU_KERNELS.get(rn.node.op)) || rn.def.reference;
      const t0 = opts.onNode ? performance.now() : 0;
      const outs = step(idx, () => runKernel(rn.node, () => kernel.call(rn.def, ins, rn.attrs, opts)));
      rn.node.outputs.forEach((o, k) => o !== '' && keep(o, outs[k]!));
      drop(idx);
      opts.onNode?.(idx, outs, performance.now() - t0);
    }
    plan?.done();
  } finally {
    setActivePool(outer);
    pool?.endRun();
  }
  const result = new Map<string, Tensor>();
  for (const o of rg.graph.outputs) result.set(o, asFloat(env.get(o), `output ${o}`));
  return result;
}
