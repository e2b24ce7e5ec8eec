import type { ResolvedGraph } from '../graph/resolve.js';
import type { GpuContext } from './device.js';
import { weightsF16 } from './precision.js';
import type { ElemStorage } from './elem-storage.js';
import type { BindingRef, GpuProgram } from './program.js';
import { kernelVariant, type KernelVariant } from './variant.js';

/**
 * Executor compile option: 'packed-f16' stores interior activations as packed f16 on the hardware (tiled) path
 * whatever the device (tests and the traffic bench, on adapters without shader-f16); never chosen by itself.
 */
export type ActivationStorage = 'packed-f16';

/**
 * The f16 flavour of interior activations, or undefined (every activation f32): only on the tiled variant, native
 * f16 where weightsF16() holds (precision 'f16' asked, the device has shader-f16), packed where the executor was
 * asked for it. Bytes per element: 2 for both flavours.
 */
export function halfActivations(gpu: Pick<GpuContext, 'device' | 'info' | 'precision'>, requested?: ActivationStorage): Exclude<ElemStorage, 'f32'> | undefined {
  if (kernelVariant(gpu.info) !== 'tiled') return undefined;
  if (requested === 'packed-f16') return 'packed';
  return weightsF16(gpu) ? 'f16' : undefined;
}

/**
 * The tensors stored as f16: neither a graph input nor a graph output (the API's edges stay f32), produced by a node
 * whose program can write that output as f16 (only a range-bounded one: elem-storage.ts halfSafeOutput) and read only
 * by nodes whose programs can read it as f16 at every slot, so no conversion kernel is ever needed.
 */
export function halfTensors(rg: ResolvedGraph, programs: ReadonlyMap<string, GpuProgram>, variant: KernelVariant): Set<string> {
  const io = rg.nodes.map((rn) => programs.get(rn.node.op)?.halfIo?.(rn, variant));
  const edges = new Set<string>([...rg.inputShapes.keys(), ...rg.graph.outputs]);
  const readable = new Map<string, boolean>();
  rg.nodes.forEach((rn, k) =>
    rn.node.inputs.forEach((name, slot) => {
      if (name !== '') readable.set(name, (readable.get(name) ?? true) && !!io[k]?.inputs.includes(slot));
    }),
  );
  const half = new Set<string>();
  rg.nodes.forEach((rn, k) =>
    rn.node.outputs.forEach((name, j) => {
      if (name !== '' && !edges.has(name) && !rg.constants.has(name) && io[k]?.outputs.includes(j) && readable.get(name)) half.add(name);
    }),
  );
  return half;
}

/** The storage of what a binding ref names for a node (its input / output names), given the f16 tensors and their flavour. */
export function storageResolver(
  inputs: readonly string[],
  outputs: readonly string[],
  half: ReadonlySet<string>,
  flavour: ElemStorage,
): (ref: BindingRef) => ElemStorage {
  return (ref) => {
    const name = ref.kind === 'input' ? inputs[ref.index] : ref.kind === 'output' ? outputs[ref.index] : undefined;
    return name !== undefined && half.has(name) ? flavour : 'f32';
  };
}
