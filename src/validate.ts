import { runCpu } from './cpu/run.js';
import type { GpuContext } from './gpu/device.js';
import { PipelineCache } from './gpu/pipelines.js';
import type { GpuProgram } from './gpu/program.js';
import { runNodeOnGpu } from './gpu/dispatch-node.js';
import { deviceLimits } from './gpu/limits.js';
import { kernelVariant } from './gpu/variant.js';
import type { Graph, Value } from './graph/ir.js';
import { fuseDwPwFor } from './gpu/fuse-dwpw.js';
import { fusePostFor } from './gpu/fuse-post.js';
import { optimize } from './graph/optimize.js';
import { EMPTY_VALUE, resolve, type ResolvedGraph } from './graph/resolve.js';
import { asFloat } from './ops/types.js';
import { stridesOf, type Shape, type Tensor } from './tensor.js';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-4, rtol: 1e-4 };

export interface LayerReport {
  index: number;
  node: string;
  op: string;
  output: string;
  shape: Shape;
  maxAbsError: number;
  maxRelError: number;
  /** NCHW coordinates of the element that exceeds the tolerance by the largest margin (or the largest abs error). */
  worst: { coords: number[]; gpu: number; ref: number } | null;
  /** Reference elements that are NaN or ±Inf; the GPU must reproduce them exactly. */
  nonFiniteRef: number;
  /** Elements where GPU and reference disagree on being NaN/±Inf. */
  nonFiniteMismatches: number;
  mismatches: number;
  pass: boolean;
  error?: string;
}

export interface ValidationReport {
  pass: boolean;
  tolerance: Tolerance;
  /** The graph that was validated: optimised as load() runs it (BatchNorm folded, epilogues fused), or as resolved. */
  optimized: boolean;
  /** The kernels that ran: the first call's, or the steady ones that replace them (ValidateOptions.kernels). */
  kernels: 'first' | 'steady';
  layers: LayerReport[];
}

export interface ValidateOptions {
  inputs: Record<string, Tensor>;
  tolerance?: Partial<Tolerance>;
  gpu: GpuContext;
  /** Replace the GPU program of some op types (used to prove the harness catches a faulty kernel). */
  programs?: ReadonlyMap<string, GpuProgram>;
  /** Validate the optimised graph, the one load() runs on this adapter: depthwise -> pointwise pairs fused where the fused kernel wins, a fused node checked as one layer against the reference depthwise then pointwise (default true); false: the graph as resolved. */
  optimize?: boolean;
  /**
   * 'first' (default): each layer's first-call kernels; 'steady': what later calls run once the exact kernels have
   * swapped in (Dispatch.upgrade, GpuNodeProgram.later: the unrolled and literal-weights kernels, Winograd), which
   * on a software adapter take seconds to compile.
   */
  kernels?: 'first' | 'steady';
}

export function compareTensors(gpu: Tensor, ref: Tensor, tol: Tolerance): Omit<LayerReport, 'index' | 'node' | 'op' | 'output' | 'error'> {
  let maxAbs = 0;
  let maxRel = 0;
  let worstIdx = -1;
  let worstMargin = -Infinity;
  let nonFiniteRef = 0;
  let nonFiniteMismatches = 0;
  let mismatches = 0;
  const n = Math.min(gpu.data.length, ref.data.length);
  for (let i = 0; i < n; i++) {
    const g = gpu.data[i]!;
    const r = ref.data[i]!;
    if (!Number.isFinite(r)) {
      nonFiniteRef++;
      const same = Number.isNaN(r) ? Number.isNaN(g) : g === r;
      if (!same) {
        nonFiniteMismatches++;
        mismatches++;
        if (worstMargin < Infinity) {
          worstMargin = Infinity;
          worstIdx = i;
        }
      }
      continue;
    }
    const abs = Number.isNaN(g) ? Infinity : Math.abs(g - r);
    const rel = abs / Math.max(Math.abs(r), 1e-30);
    if (abs > maxAbs) maxAbs = abs;
    if (abs > 0 && rel > maxRel) maxRel = rel;
    const margin = abs - (tol.atol + tol.rtol * Math.abs(r));
    if (margin > 0) mismatches++;
    if (margin > worstMargin) {
      worstMargin = margin;
      worstIdx = i;
    }
  }
  const sizeMismatch = gpu.data.length !== ref.data.length;
  return {
    shape: ref.shape,
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    worst: worstIdx < 0 ? null : { coords: unravel(worstIdx, ref.shape), gpu: gpu.data[worstIdx]!, ref: ref.data[worstIdx]! },
    nonFiniteRef,
    nonFiniteMismatches,
    mismatches: mismatches + (sizeMismatch ? 1 : 0),
    pass: mismatches === 0 && !sizeMismatch,
  };
}

function unravel(i: number, shape: Shape): number[] {
  return stridesOf(shape).map((s, d) => Math.floor(i / s) % shape[d]!);
}

/**
 * Runs every node on the GPU and on the CPU reference with the same inputs (the reference's own upstream
 * values), so each layer's error is its own and not accumulated from earlier layers. By default the graph is
 * optimised first, as load() does, so the fused kernels (folded BatchNorm, activation and residual epilogues)
 * that `run` executes are the ones validated.
 */
export async function validate(model: Graph | ResolvedGraph, opts: ValidateOptions): Promise<ValidationReport> {
  const tol = { ...DEFAULT_TOLERANCE, ...opts.tolerance };
  const optimized = opts.optimize ?? true;
  const kernels = opts.kernels ?? 'first';
  const given = 'nodes' in model && 'constants' in model ? (model as ResolvedGraph) : resolve(model as Graph, shapesOf(opts.inputs));
  const { info } = opts.gpu;
  const rg = optimized
    ? fusePostFor(fuseDwPwFor(optimize(given).graph, { variant: kernelVariant(info), limits: deviceLimits(opts.gpu) }).graph, kernelVariant(info))
    : given;
  const refOutputs: Value[][] = [];
  runCpu(rg, opts.inputs, { fast: false, onNode: (idx, outs) => (refOutputs[idx] = outs) });
  const pipelines = PipelineCache.forDevice(opts.gpu.device);
  const layers: LayerReport[] = [];
  const envBefore = new Map<string, Value>(rg.constants);
  for (const [k, v] of Object.entries(opts.inputs)) envBefore.set(k, v);
  for (let idx = 0; idx < rg.nodes.length; idx++) {
    const rn = rg.nodes[idx]!;
    const ins = rn.node.inputs.map((i) => (i === '' ? EMPTY_VALUE : envBefore.get(i)!));
    let gpuOuts: Tensor[] | undefined;
    let error: string | undefined;
    try {
      gpuOuts = await runNodeOnGpu(opts.gpu, rn, ins, rg.constants, pipelines, opts.programs?.get(rn.node.op), { upgraded: kernels === 'steady' });
    } catch (e) {
      error = (e as Error).message;
    }
    rn.node.outputs.forEach((o, k) => {
      if (o === '') return;
      const ref = asFloat(refOutputs[idx]![k]);
      envBefore.set(o, refOutputs[idx]![k]!);
      const base = { index: idx, node: rn.node.name, op: rn.node.op, output: o };
      if (!gpuOuts) {
        layers.push({ ...base, shape: ref.shape, maxAbsError: NaN, maxRelError: NaN, worst: null, nonFiniteRef: 0, nonFiniteMismatches: 0, mismatches: 0, pass: false, error });
        return;
      }
      layers.push({ ...base, ...compareTensors(gpuOuts[k]!, ref, tol) });
    });
  }
  return { pass: layers.every((l) => l.pass), tolerance: tol, optimized, kernels, layers };
}

function shapesOf(inputs: Record<string, Tensor>): Record<string, Shape> {
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.shape]));
}

export function formatValidation(r: ValidationReport): string {
  const rows = r.layers.map((l) => {
    const worst = l.worst ? `[${l.worst.coords.join(',')}] gpu=${l.worst.gpu.toPrecision(6)} ref=${l.worst.ref.toPrecision(6)}` : '';
    const status = l.pass ? 'ok' : 'FAIL';
    const extra = l.error ? ` error: ${l.error}` : l.nonFiniteRef ? ` non-finite ref: ${l.nonFiniteRef} (mismatched ${l.nonFiniteMismatches})` : '';
    return `${String(l.index).padStart(3)}  ${status.padEnd(4)}  ${l.op.padEnd(18)} ${l.node.padEnd(28)} [${l.shape.join(',')}]  maxAbs=${l.maxAbsError.toExponential(2)} maxRel=${l.maxRelError.toExponential(2)} ${l.pass ? '' : worst}${extra}`;
  });
  const failed = r.layers.filter((l) => !l.pass);
  return [
    `validation of the ${r.optimized ? 'optimised graph (as load() and `run` execute it)' : 'unoptimised graph (as resolved, no folding or fusion)'}, ` +
      `${r.kernels === 'steady' ? 'steady kernels (as later calls run them)' : "first-call kernels (as a model's first calls run them)"}: ` +
      `atol=${r.tolerance.atol} rtol=${r.tolerance.rtol} (pass when |gpu-ref| <= atol + rtol*|ref|)`,
    ...rows,
    failed.length ? `FAILED: ${failed.length} layer(s): ${failed.map((l) => `${l.node} (${l.op})`).join(', ')}` : `all ${r.layers.length} layers pass`,
  ].join('\n');
}
