// Element storage of a kernel binding (f32 or one of two f16 flavours) and what a node's program can bind as f16;
// the policy choosing them is src/gpu/act-storage.ts.
import { activationBound, type FusedActivation } from '../ops/activation.js';

/**
 * How a tensor's elements lie in its GPU buffer: 'f32'; 'f16' (WGSL f16, `enable f16;`, the device having
 * shader-f16); 'packed': f16 pairs in u32 words through core WGSL pack2x16float / unpack2x16float (any device).
 * The two f16 flavours hold the same bytes; kernels widen to f32 on load and narrow on store (f32 accumulation).
 */
export type ElemStorage = 'f32' | 'f16' | 'packed';

/** The runtime inputs / outputs (indices) a node's dispatches can bind as f16 (GpuProgram.halfIo). */
export interface HalfIo {
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

/** The largest finite f16. */
export const F16_MAX = 65504;

/**
 * Whether a kernel's output may be stored as f16: only where its final activation bounds it within f16's range
 * (Relu6 / Clip, Sigmoid, HardSigmoid; never after a residual add), so no value can overflow. WGSL leaves an
 * out-of-range f32 → f16 conversion (and pack2x16float) indeterminate, and an f32 run would never show it.
 */
export function halfSafeOutput(act: FusedActivation, residual: boolean): boolean {
  return !residual && activationBound(act) <= F16_MAX;
}

/** Neither inputs nor outputs as f16. */
export const NO_HALF: HalfIo = { inputs: [], outputs: [] };

/** Bytes per element of a storage. */
export function elemBytes(s: ElemStorage): number {
  return s === 'f32' ? 4 : 2;
}

/** A shader-name suffix for a binding `tag` stored as s ('' for f32, so f32 names are as before). */
export function storageSuffix(tag: string, s: ElemStorage): string {
  return s === 'f32' ? '' : `.${tag}${s === 'f16' ? 'h' : 'p'}`;
}
