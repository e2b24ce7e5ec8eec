import softmaxWgsl from '../../../shaders/softmax.wgsl?raw';
import { physicalStrides } from '../layout.js';
import type { GpuProgram } from '../program.js';
import { sizeOf } from '../../tensor.js';
import { rowGrid, rowParams, rowPipeline, rowPlan, rowShaders, rowWorkgroup } from './reduce.gpu.js';
import type { SoftmaxAttrs } from '../../ops/softmax.js';

const softmaxShaders = rowShaders('softmax', softmaxWgsl);

/** Opset ≥ 13 normalises over `axis`; older opsets over every dim from `axis` on (the 2-D coercion). */
const softmaxProgram: GpuProgram = {
  async build(rn, ctx) {
    const { axis, legacy } = rn.attrs as SoftmaxAttrs;
    const xs = rn.inputShapes[0]!;
    if (sizeOf(xs) === 0) return { dispatches: [] };
    const axes = legacy ? xs.map((_, k) => k).slice(axis) : [axis];
    const px = physicalStrides(xs);
    const plan = rowPlan(xs, axes, xs.map((_, k) => px[k]!).filter((_, k) => !axes.includes(k)));
    const wg = rowWorkgroup(plan.nRed);
    return {
      dispatches: [
        {
          pipeline: await rowPipeline(ctx, softmaxShaders, { ...wg, KDIM: plan.kdim, RDIM: plan.rdim }),
          bindings: [ctx.uniform(rowParams, plan.values, `${rn.node.name}.params`), { kind: 'input', index: 0 }, { kind: 'output', index: 0 }],
          workgroups: rowGrid(plan, wg.WG_X, ctx),
          label: rn.node.name,
        },
      ],
    };
  },
};

export const softmaxGpu: [string, GpuProgram][] = [['Softmax', softmaxProgram]];
