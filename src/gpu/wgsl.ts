import activationWgsl from '../../shaders/activation.wgsl?raw';
import gemmInnerWgsl from '../../shaders/gemm_inner.wgsl?raw';
import gemmInnerSubgroupsWgsl from '../../shaders/gemm_inner_subgroups.wgsl?raw';
import gemmRegisterWgsl from '../../shaders/gemm_register.wgsl?raw';
import gemmStoreWgsl from '../../shaders/gemm_store.wgsl?raw';
import gemmTileWgsl from '../../shaders/gemm_tile.wgsl?raw';
import reduceRowsWgsl from '../../shaders/reduce_rows.wgsl?raw';
import reduceTreeWgsl from '../../shaders/reduce_tree.wgsl?raw';
import reduceTreeSubgroupsWgsl from '../../shaders/reduce_tree_subgroups.wgsl?raw';
import tileIndexWgsl from '../../shaders/tile_index.wgsl?raw';
import trigWgsl from '../../shaders/trig.wgsl?raw';

/**
 * WGSL has no include. A kernel names the shared pieces it uses with a line `// #include "name.wgsl"`, which
 * compose() replaces by that fragment's text. Module-scope WGSL declarations are order-independent, so a
 * fragment may call functions and use constants/structs the including kernel declares after it; each fragment's
 * header lists what it expects. The fragments come from `?raw` imports, so a bundle inlines them (no file is
 * read at run time), and the composed text is what compiles and what compile errors number their lines by.
 */
const FRAGMENTS: ReadonlyMap<string, string> = new Map([
  ['activation.wgsl', activationWgsl],
  ['gemm_tile.wgsl', gemmTileWgsl],
  ['tile_index.wgsl', tileIndexWgsl],
  ['gemm_inner.wgsl', gemmInnerWgsl],
  ['gemm_inner_subgroups.wgsl', gemmInnerSubgroupsWgsl],
  ['gemm_store.wgsl', gemmStoreWgsl],
  ['gemm_register.wgsl', gemmRegisterWgsl],
  ['reduce_rows.wgsl', reduceRowsWgsl],
  ['reduce_tree.wgsl', reduceTreeWgsl],
  ['reduce_tree_subgroups.wgsl', reduceTreeSubgroupsWgsl],
  ['trig.wgsl', trigWgsl],
]);

const INCLUDE = /^[ \t]*\/\/ #include "([^"]+)"[ \t]*$/gm;

/** Resolves `// #include "x.wgsl"` lines (nested ones too, each fragment at most once per module). */
export function compose(source: string, seen: Set<string> = new Set()): string {
  return source.replace(INCLUDE, (_line, name: string) => {
    const frag = FRAGMENTS.get(name);
    if (frag === undefined) throw new Error(`WGSL include "${name}" is not a known fragment (src/gpu/wgsl.ts)`);
    if (seen.has(name)) return `// (${name} already included)`;
    seen.add(name);
    return compose(frag, seen);
  });
}
