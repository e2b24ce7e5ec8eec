import outF32Wgsl from '../../../shaders/out_f32.wgsl?raw';
import outVec4Wgsl from '../../../shaders/out_vec4.wgsl?raw';
import type { ElemStorage } from '../elem-storage.js';
import { operandLoaders, outputStores } from './elements.js';

/**
 * A tiled kernel's source with its output element type YT, its residual's REST and the store helpers
 * (shaders/out_f32.wgsl or out_vec4.wgsl). vec4 only where the caller's plan guarantees what out_vec4.wgsl states:
 * every stored row is 4 consecutive, 16-byte-aligned elements (contiguous output columns, column count and row
 * stride multiples of 4). A buffer is bound with one element type per dispatch, so the vec4 store is its own shader
 * text (pipeline); so is each storage of y and res (src/gpu/act-storage.ts).
 */
export function withOutputType(source: string, vec4: boolean, y: ElemStorage = 'f32', res: ElemStorage = 'f32'): string {
  return [outputStores('y', vec4, y), operandLoaders('res', 'res', vec4, res), vec4 ? outVec4Wgsl : outF32Wgsl, source].join('\n');
}
