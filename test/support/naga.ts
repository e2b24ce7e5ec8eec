import { parseWgsl, validate } from 'naga-wasm';
import { fullSource, type ShaderDef } from '../../src/gpu/shader.js';

/**
 * naga's (wgpu's WGSL validator, as wasm) errors on each module as the device would get it (fullSource), one
 * formatted message per failing module: type-checks the `enable f16;` modules no adapter here can compile. naga 30
 * implements the subgroup builtins but refuses the `enable subgroups;` directive (gfx-rs/wgpu#5555): the directive
 * is dropped, the subgroup code itself is checked.
 */
export function nagaErrors(defs: Iterable<ShaderDef>): string[] {
  const errors: string[] = [];
  for (const def of defs) {
    try {
      validate(parseWgsl(fullSource(def).replace(/^enable subgroups;$/m, '')));
    } catch (e) {
      errors.push(`${def.name}: ${(e as { formatted?: string }).formatted ?? (e as Error).message}`);
    }
  }
  return errors;
}
