import type { GpuContext } from './device.js';

/**
 * What `precision: 'f16'` on the GpuContext does, where the device was created with `shader-f16` and the kernels
 * are the hardware-path (tiled) ones; f32 accumulation throughout:
 * - weights of the tiled GEMM, depthwise and fused dw -> pw kernels are stored as f16 (this function);
 * - interior activations are stored as f16 (src/gpu/act-storage.ts): a tensor is f16 iff it is neither a graph input
 *   nor output, its producer's tiled kernel writes f16 and every reader's reads f16 (pointwise / implicit-GEMM conv:
 *   x, y, residual; depthwise: x, y; fused dw -> pw: x, y, residual), so no conversion kernel runs, and its
 *   producer's activation bounds it within f16's range (Relu6 / Clip, Sigmoid, HardSigmoid; elem-storage.ts
 *   halfSafeOutput), so no store can overflow; their buffers are half the bytes. Every other tensor stays f32.
 * Everything else — software adapters, devices without the feature, the default — stays on the f32 kernels,
 * bit-identical. (Tests and the traffic bench can force the same f16 activations as packed f16 pairs in u32 words
 * on any adapter: GpuExecutor.compile's `activations: 'packed-f16'`.)
 * Tolerances: weights rounded to f16 (relative error ≤ 2^-11 each) give an output within ~2^-11 · Σ|w·x| + the f32
 * accumulation error of the f32 reference; test/gpu-f16.test.ts holds max |y − ref| ≤ 2e-3 · max(1, max |ref|) per
 * layer. Each f16 activation store adds ≤ 2^-11 relative error and L stores accumulate:
 * test/gpu-f16-activations.test.ts holds a small DSC net to 8·2^-11 · max |ref| and MobileNetV2's logits to 64·2^-11
 * of max(1, max |ref|).
 */
export function weightsF16(gpu: Pick<GpuContext, 'device'> & { readonly precision?: 'f32' | 'f16' }): boolean {
  return gpu.precision === 'f16' && gpu.device.features.has('shader-f16');
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of x (taken as f32 first: weights are f32), rounded to nearest even (overflow to ±Inf, NaN kept, subnormals kept). */
export function toFloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const man = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // subnormal: the implicit bit made explicit, shifted right by 1 - e (+13), rounded to nearest even
    const m = man | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (man >>> 13);
  const rest = man & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is the right result
  return sign | h;
}

/** f32 values as packed f16 pairs (element i in the low half of word i/2, little-endian), ready for constBuffer. */
export function packFloat16(data: Float32Array): Uint32Array {
  const out = new Uint32Array(Math.max(1, Math.ceil(data.length / 2)));
  for (let i = 0; i < data.length; i++) out[i >> 1]! |= toFloat16Bits(data[i]!) << ((i & 1) * 16);
  return out;
}

/**
 * A kernel's source with its weight element type WV declared: vec4<f32>, or (half) vec4<f16> with `enable f16;`.
 * The kernel binds weights as array<WV> and widens each load with vec4<f32>(...).
 */
export function withWeightType(source: string, half: boolean): string {
  return [...(half ? ['enable f16;'] : []), `alias WV = vec4<${half ? 'f16' : 'f32'}>;`, source].join('\n');
}
