import { physicalStrides } from '../layout.js';
import type { GpuProgram } from '../program.js';
import { copyDispatch } from './copy.gpu.js';
import { blockPlan, type BlockAttrs } from '../../ops/depthtospace.js';

/** DepthToSpace / SpaceToDepth: one strided copy over the [N, C, H, b, W, b] index space, NHWC on both sides. */
function blockProgram(toSpace: boolean): GpuProgram {
  return {
    async build(rn, ctx) {
      const a = rn.attrs as BlockAttrs;
      const xs = rn.inputShapes[0]!;
      const big = toSpace ? a.outShape : xs;
      const deep = toSpace ? xs : a.outShape;
      const p = blockPlan(big, a.blocksize, a.crd, physicalStrides(big), physicalStrides(deep));
      const plan = { sizes: p.sizes, src: toSpace ? p.deep : p.big, dst: toSpace ? p.big : p.deep };
      const d = await copyDispatch(ctx, plan, { kind: 'input', index: 0 }, { kind: 'output', index: 0 }, rn.node.name);
      return { dispatches: d ? [d] : [] };
    },
  };
}

export const depthToSpaceGpu: [string, GpuProgram][] = [
  ['DepthToSpace', blockProgram(true)],
  ['SpaceToDepth', blockProgram(false)],
];
