// Shared harness for the op tests: deterministic inputs, one-node graphs run on the GPU and on the CPU
// reference, and a tolerance check that records the largest error per case (printed by `reportErrors`).
import { expect } from 'vitest';
import { PipelineCache } from '../../src/gpu/pipelines.js';
import { runNodeOnGpu } from '../../src/gpu/dispatch-node.js';
import { isInt, type AttrValue, type Graph, type Node, type Value } from '../../src/graph/ir.js';
import { EMPTY_VALUE, resolve, type ResolvedNode } from '../../src/graph/resolve.js';
import { NodeCtx, type OpDef } from '../../src/ops/types.js';
import { sizeOf, type Shape, type Tensor } from '../../src/tensor.js';
import { getTestDevice } from './gpu.js';
import { CPU_KERNELS } from '../../src/cpu/kernels.js';

/** Deterministic values in [lo, hi), with a seed per tensor. */
export function rand(shape: Shape, seed = 1, lo = -2, hi = 2): Tensor {
  let s = (seed * 2654435761) >>> 0 || 1;
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  }
  return { shape: [...shape], data };
}

/** Copy of `t` with NaN, +inf and −inf planted at a few positions. */
export function withSpecials(t: Tensor): Tensor {
  const data = t.data.slice();
  const n = data.length;
  data[0] = NaN;
  if (n > 3) data[Math.floor(n / 3)] = Infinity;
  if (n > 5) data[Math.floor((2 * n) / 3)] = -Infinity;
  return { shape: t.shape, data };
}

export const values = (v: Value): number[] => Array.from(isInt(v) ? v.ints : v.data);

/** A node input: a runtime activation, a load-time constant (initializer), or omitted (''). */
export type In = Value | { const: Value } | null;

export interface Case {
  attrs?: Record<string, AttrValue>;
  opset?: number;
  outputs?: number;
}

/** Resolves a one-node graph (inputs that are not `{const}` are runtime graph inputs). */
export function resolveOne(op: string, ins: In[], c: Case = {}): { rn: ResolvedNode; values: (Value | undefined)[]; constants: ReadonlyMap<string, Value> } {
  const graph: Graph = { name: op, inputs: [], outputs: [], nodes: [], initializers: new Map(), opset: c.opset ?? 17 };
  const names = ins.map((v, i) => {
    if (v === null) return '';
    const name = `in${i}`;
    if ('const' in v) graph.initializers.set(name, v.const);
    else graph.inputs.push({ name, shape: [...v.shape] });
    return name;
  });
  const outs = Array.from({ length: c.outputs ?? 1 }, (_, i) => `out${i}`);
  graph.outputs.push(...outs);
  graph.nodes.push({ name: `${op}_node`, op, inputs: names, outputs: outs, attrs: c.attrs ?? {} });
  const rg = resolve(graph);
  expect(rg.nodes.length).toBe(1);
  return { rn: rg.nodes[0]!, values: ins.map((v) => (v === null ? undefined : 'const' in v ? v.const : v)), constants: rg.constants };
}

export class ErrorLog {
  private readonly errors: [string, number][] = [];

  constructor(private readonly title: string) {}

  add(name: string, err: number): void {
    this.errors.push([name, err]);
  }

  /** Prints the largest error per op (first word of each case name). */
  report(): void {
    const byOp = new Map<string, number>();
    for (const [name, e] of this.errors) {
      const op = name.split(' ')[0]!;
      byOp.set(op, Math.max(byOp.get(op) ?? 0, e));
    }
    const worst = Math.max(0, ...byOp.values());
    console.log(`[${this.title}] ${this.errors.length} outputs compared, max |err|/max(1, |want|) = ${worst.toExponential(2)}; per op:`);
    console.log([...byOp].map(([op, e]) => `${op} ${e.toExponential(2)}`).join(', '));
  }
}

/**
 * Asserts |got − want| ≤ atol + rtol·|want| element by element (NaN must meet NaN, ±inf the same infinity) and
 * logs the largest |got − want| / max(1, |want|); reports the first mismatches with their flat index.
 */
export function compare(log: ErrorLog, name: string, got: readonly Value[], want: readonly Value[], atol = 1e-5, rtol = 1e-5): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => {
    const w = want[k]!;
    const a = values(g);
    const b = values(w);
    expect(g.shape, `${name} output ${k} shape`).toEqual(w.shape);
    expect(a.length).toBe(b.length);
    let worst = 0;
    const bad: string[] = [];
    for (let i = 0; i < b.length; i++) {
      const p = a[i]!;
      const q = b[i]!;
      if (!Number.isFinite(q)) {
        if (!Object.is(p, q) && !(Number.isNaN(p) && Number.isNaN(q))) bad.push(`[${i}] got ${p}, want ${q}`);
        continue;
      }
      const err = Math.abs(p - q);
      if (!(err <= atol + rtol * Math.abs(q))) bad.push(`[${i}] got ${p}, want ${q} (|err| ${err.toExponential(2)})`);
      else worst = Math.max(worst, err / Math.max(1, Math.abs(q)));
    }
    if (bad.length) expect.fail(`${name} output ${k}: ${bad.length} mismatches: ${bad.slice(0, 10).join('; ')}`);
    log.add(`${name}${got.length > 1 ? ` #${k}` : ''}`, worst);
  });
}

let cache: PipelineCache | undefined;

/** The pipeline cache every runGpuAndCpu call shares (tests count its pipelines). */
export async function opCheckPipelines(): Promise<PipelineCache> {
  cache ??= new PipelineCache((await getTestDevice()).device);
  return cache;
}

/** Runs a one-node graph on the GPU (Node/Dawn) and with the op's CPU reference kernel. */
export async function runGpuAndCpu(op: string, ins: In[], c: Case = {}): Promise<{ rn: ResolvedNode; gpu: Tensor[]; cpu: Value[] }> {
  const { rn, values: vals, constants } = resolveOne(op, ins, c);
  const gpu = await runNodeOnGpu(await getTestDevice(), rn, vals as Value[], constants, await opCheckPipelines());
  const cpu = rn.def.reference(vals.map((v) => v ?? EMPTY_VALUE), rn.attrs);
  return { rn, gpu, cpu };
}

/** GPU vs CPU reference for one node. */
export async function checkGpu(log: ErrorLog, name: string, op: string, ins: In[], c: Case = {}, atol = 1e-5, rtol = 1e-5): Promise<void> {
  const { gpu, cpu } = await runGpuAndCpu(op, ins, c);
  compare(log, name, gpu, cpu, atol, rtol);
}

/**
 * Parses one node whose inputs are all given, checks the reference kernel's output shapes against the shape
 * rule and the fast kernel against the reference (bit for bit unless `tol` is given); returns the reference.
 */
export function runCpu(def: OpDef<any>, inputs: (Value | null)[], attrs: Record<string, AttrValue> = {}, opset = 17, tol?: number): Value[] {
  const node: Node = { name: 'n1', op: def.op, inputs: inputs.map((v, i) => (v ? `i${i}` : '')), outputs: ['y'], attrs };
  const ctx = new NodeCtx(node, inputs.map((v) => v?.shape), inputs.map((v) => v ?? undefined), opset);
  const a = def.parse(ctx);
  const shapes = def.outputShapes(ctx, a);
  const args = inputs.map((v) => v ?? EMPTY_VALUE);
  const out = def.reference(args, a);
  expect(out.map((o) => o.shape)).toEqual(shapes);
  const kernel = CPU_KERNELS.get(def.op);
  if (kernel) {
    const fast = kernel(args, a);
    if (tol === undefined) expect(fast).toEqual(out);
    else compare(new ErrorLog('fast'), `${def.op} fast`, fast, out, tol, tol);
  }
  return out;
}
