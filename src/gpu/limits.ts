import { GpuError } from '../errors.js';
import type { ResolvedGraph } from '../graph/resolve.js';
import { shapeStr, sizeOf, type Shape } from '../tensor.js';
import type { GpuContext } from './device.js';

/** The limits the executor plans against. */
export interface PlanLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
}

const DEFAULTS: PlanLimits = {
  maxStorageBufferBindingSize: 134217728,
  maxBufferSize: 268435456,
  maxComputeWorkgroupsPerDimension: 65535,
};

/**
 * The limits kernels are planned against: for each limit, the tighter of what the device was created with
 * (`device.limits`: a caller's device made with default limits has 16 KiB of workgroup memory where the adapter
 * may offer 32 KiB) and `gpu.info.limits` (what the adapter reported; a caller may lower it to plan for a smaller
 * device). `min*` limits (alignments) are tighter when larger.
 */
export function deviceLimits(gpu: GpuContext): Record<string, number> {
  const dev: Record<string, number> = {};
  for (const k in gpu.device.limits ?? {}) {
    const v = (gpu.device.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number' && v > 0) dev[k] = v;
  }
  const out: Record<string, number> = { ...dev };
  for (const [k, v] of Object.entries(gpu.info.limits ?? {})) {
    if (!(v > 0)) continue;
    const d = dev[k];
    out[k] = d === undefined ? v : k.startsWith('min') ? Math.max(d, v) : Math.min(d, v);
  }
  return out;
}

/** deviceLimits() narrowed to what the executor checks, with WebGPU's defaults where a limit is missing. */
export function planLimits(gpu: GpuContext): PlanLimits {
  const l = deviceLimits(gpu);
  return {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize ?? DEFAULTS.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize ?? DEFAULTS.maxBufferSize,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension ?? DEFAULTS.maxComputeWorkgroupsPerDimension,
  };
}

/** Bytes of the storage buffer holding a float32 tensor of `shape` (16-byte aligned, as the executor allocates). */
export function tensorBytes(shape: Shape): number {
  return Math.max(16, Math.ceil((sizeOf(shape) * 4) / 16) * 16);
}

/**
 * Checks, before any GPU work, that every tensor the compiled graph binds — graph inputs, every node output and
 * every constant input a kernel uploads — fits in one storage binding and one buffer. Throws one GpuError
 * (code GPU_LIMIT) listing every offending (node, op, tensor, shape, bytes, limit).
 */
export function checkGraphLimits(rg: ResolvedGraph, limits: PlanLimits): void {
  const bind = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const which = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  const problems: string[] = [];
  const seen = new Set<string>();
  const check = (where: string, what: string, shape: Shape) => {
    const bytes = tensorBytes(shape);
    if (bytes > bind)
      problems.push(`${where}: ${what} ${shapeStr(shape)} needs ${bytes} bytes, above ${which} = ${bind} bytes of this device`);
  };
  for (const [name, shape] of rg.inputShapes) check(`graph input "${name}"`, 'tensor', shape);
  for (const rn of rg.nodes) {
    const where = `${rn.node.op} node "${rn.node.name}"`;
    rn.node.outputs.forEach((o, k) => {
      if (o !== '' && rn.outputShapes[k]) check(where, `output "${o}"`, rn.outputShapes[k]!);
    });
    rn.node.inputs.forEach((i, k) => {
      if (i === '' || seen.has(i)) return;
      const c = rg.constants.get(i);
      if (!c) return;
      seen.add(i);
      check(where, `constant input "${i}"`, rn.inputShapes[k] ?? c.shape);
    });
  }
  if (problems.length)
    throw new GpuError(
      `the model does not fit this device's limits (${problems.length} tensor(s)): ${problems.slice(0, 8).join('; ')}` +
        (problems.length > 8 ? `; and ${problems.length - 8} more` : ''),
      'GPU_LIMIT',
    );
}

/** Checks a planned dispatch against maxComputeWorkgroupsPerDimension, naming the node. */
export function checkDispatch(node: string, op: string, workgroups: readonly number[], limits: PlanLimits): void {
  const max = limits.maxComputeWorkgroupsPerDimension;
  if (workgroups.some((w) => !Number.isInteger(w) || w < 0 || w > max))
    throw new GpuError(
      `${op} node "${node}": dispatch of [${workgroups.join(', ')}] workgroups exceeds maxComputeWorkgroupsPerDimension = ${max}`,
      'GPU_LIMIT',
    );
}
