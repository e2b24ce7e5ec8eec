// Relaxed SIMD detection, kept free of imports: the CPU worker's kernel module (arena/module.ts) and the page's feature
// report (features.ts) both ask, and the worker bundle must not pull in the page's modules.
// (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))): relaxed SIMD.
const V128_ZERO = [253, 12, ...new Array<number>(16).fill(0)];
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0, ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 253, 133, 2, 11,
]);

/** Whether f32x4.relaxed_madd validates here (Chromium >= 114; not Node 20). */
export function relaxedSimdValidates(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE);
}
