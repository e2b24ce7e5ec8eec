/**
 * DepthToSpace (DCR and CRD) and SpaceToDepth on NHWC (c/space.c): per row of the spatially big tensor, DCR moves
 * runs of blocksize·C floats, CRD gathers. Tiles: the big tensor's rows.
 */
import type { BlockAttrs } from '../../../ops/depthtospace.js';
import type { ArenaKernel } from '../types.js';
import { nhwcOnly } from './pool.js';

function spaceKernel(toDeep: boolean): ArenaKernel {
  return {
    layouts: nhwcOnly,
    build(ctx) {
      const a = ctx.node.attrs as BlockAttrs;
      const y = ctx.output(0);
      const x = ctx.input(0)!;
      const [n, c, h, w] = (toDeep ? x.shape : y.shape) as [number, number, number, number];
      const b = a.blocksize;
      const fn = toDeep ? 'space_s2d' : a.crd ? 'space_d2s_crd' : 'space_d2s';
      return [{ fn, args: [y.offset, x.offset, w / b, c, b], tiles: n * h }];
    },
  };
}

export const depthToSpaceKernel = spaceKernel(false);
export const spaceToDepthKernel = spaceKernel(true);
