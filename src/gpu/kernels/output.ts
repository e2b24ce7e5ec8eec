import outF32Wgsl from '../../../shaders/out_f32.wgsl?raw';
import outVec4Wgsl from '../../../shaders/out_vec4.wgsl?raw';

/**
 * A tiled kernel's source with its output element type YT and store helpers (shaders/out_f32.wgsl or
 * out_vec4.wgsl). vec4 only where the caller's plan guarantees what out_vec4.wgsl states: every stored row is 4
 * consecutive, 16-byte-aligned elements (contiguous output columns, column count and row stride multiples of 4).
 * A buffer is bound with one element type per dispatch, so the vec4 store is its own shader text (pipeline).
 */
export function withOutputType(source: string, vec4: boolean): string {
  return (vec4 ? outVec4Wgsl : outF32Wgsl) + '\n' + source;
}
