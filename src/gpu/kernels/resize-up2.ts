import resizeUp2Wgsl from '../../../shaders/resize_up2.wgsl?raw';
import { axisTable, type ResizeAttrs, type ResizeAxis } from '../../ops/resize.js';
import { defineParams } from '../params.js';
import { grid, type BindingRef, type Dispatch, type GpuBuildCtx } from '../program.js';
import { shader } from '../shader.js';

const PARAMS = defineParams([
  ['ih', 'u32'], ['iw', 'u32'], ['c4s', 'u32'], ['tiles_x', 'u32'], ['tiles_y', 'u32'], ['blocks', 'u32'],
] as const);

/** Whether an axis's table is exactly the doubling with half-pixel centres that resize_up2.wgsl writes out. */
function doubles(a: ResizeAxis): boolean {
  if (a.outSize !== 2 * a.inSize) return false;
  const t = axisTable(a, 'linear', 'floor');
  const last = a.inSize - 1;
  for (let o = 0; o < a.outSize; o++) {
    const i = o >> 1;
    const [i0, i1, w] = o % 2 === 0 ? [Math.max(i - 1, 0), i, 0.75] : [i, Math.min(i + 1, last), 0.25];
    if (t.i0[o] !== i0 || t.i1[o] !== i1 || t.w[o] !== w) return false;
  }
  return true;
}

/** Linear, NHWC with whole vec4s of channels, and both axes exactly doubled at half-pixel centres. */
export function resizeUp2Eligible(a: ResizeAttrs, channels: number | undefined): boolean {
  return a.mode === 'linear' && channels !== undefined && channels % 4 === 0 && doubles(a.h) && doubles(a.w);
}

function generate(): string {
  const K = [0, 1, 2, 3];
  const rows = K.flatMap((k) => [
    ...K.map((j) => `let x${k}_${j} = x[r${k} + q${j}];`),
    `let h${k}_0 = even(x${k}_0, x${k}_1);`,
    `let h${k}_1 = odd(x${k}_1, x${k}_2);`,
    `let h${k}_2 = even(x${k}_1, x${k}_2);`,
    `let h${k}_3 = odd(x${k}_2, x${k}_3);`,
  ]);
  // output row a blends input rows (a + 1) >> 1 and the next, even or odd
  const store = K.flatMap((a) =>
    K.map((b) => {
      const [lo, f] = [(a + 1) >> 1, a % 2 ? 'odd' : 'even'];
      const st = `y[((n * params.ih * 2u + oy + ${a}u) * ow + ox + ${b}u) * params.c4s + c4] = ${f}(h${lo}_${b}, h${lo + 1}_${b});`;
      const cond = [a >= 2 ? 'full_r' : '', b >= 2 ? 'full_c' : ''].filter(Boolean).join(' & ');
      return cond ? `if (${cond}) {\n    ${st}\n  }` : st;
    }),
  );
  return resizeUp2Wgsl.replace('${ROWS}', rows.join('\n  ')).replace('${STORE}', store.join('\n  '));
}

export const RESIZE_UP2_SHADER = shader('resize.up2', generate(), PARAMS);

/** The doubling kernel (resize_up2.wgsl): a 2×2 input block × 4 channels per invocation. */
export async function resizeUp2Dispatch(ctx: GpuBuildCtx, a: ResizeAttrs, n: number, channels: number, x: BindingRef, y: BindingRef, label: string): Promise<Dispatch> {
  const [ih, iw, c4s] = [a.h.inSize, a.w.inSize, channels / 4];
  const [tilesX, tilesY] = [Math.ceil(iw / 2), Math.ceil(ih / 2)];
  const blocks = c4s * tilesX * tilesY * n;
  return {
    pipeline: await ctx.pipeline(RESIZE_UP2_SHADER),
    bindings: [ctx.uniform(PARAMS, { ih, iw, c4s, tiles_x: tilesX, tiles_y: tilesY, blocks }, `${label}.params`), x, y],
    workgroups: grid(Math.ceil(blocks / 64), ctx.limits),
    label,
  };
}
