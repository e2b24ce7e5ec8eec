import type { ResolvedNode } from '../../graph/resolve.js';
import type { ArenaKernel } from './types.js';

/** One op served by several kernels, each declining the cases it does not handle: the first that accepts runs it. */
export function firstOf(kernels: readonly ArenaKernel[]): ArenaKernel {
  const chosen = new WeakMap<ResolvedNode, ArenaKernel>();
  return {
    layouts(rn, have, wanted) {
      for (const k of kernels) {
        const l = k.layouts(rn, have, wanted);
        if (l) {
          chosen.set(rn, k);
          return l;
        }
      }
      return undefined;
    },
    build(ctx) {
      const k = chosen.get(ctx.node);
      if (!k) throw new Error(`no kernel accepted ${ctx.node.node.op} node ${ctx.node.node.name}`);
      return k.build(ctx);
    },
  };
}
