import { GpuError } from '../../errors.js';
import { isInt } from '../../graph/ir.js';
import type { ResolvedNode } from '../../graph/resolve.js';
import { packDepthwiseWeights, padVector, type DwGeometry } from '../kernels/depthwise.js';
import { dwpwDispatch, packPointwiseVec4, type DwPwGeometry } from '../kernels/dwpw.js';
import type { GpuBuildCtx, GpuNodeProgram, GpuProgram } from '../program.js';
import { halfSafeOutput, type HalfIo } from '../elem-storage.js';
import { packFloat16 } from '../precision.js';
import { dwOutputShape, FUSED_DWPW, type DwPwAttrs } from '../../ops/dwpw.js';

function floats(ctx: GpuBuildCtx, rn: ResolvedNode, i: number, what: string): Float32Array {
  const v = ctx.constant(i);
  if (v === undefined)
    throw new GpuError(`${FUSED_DWPW} node "${rn.node.name}": the ${what} must be a constant known at load time on the GPU`, 'GPU_UNSUPPORTED');
  return isInt(v) ? Float32Array.from(v.ints) : v.data;
}

/** The geometry of a fused node (inputs as in src/ops/dwpw.ts). */
export function dwPwGeometry(rn: ResolvedNode): DwPwGeometry {
  const a = rn.attrs as DwPwAttrs;
  const [n, c, h, w] = rn.inputShapes[0] as [number, number, number, number];
  const [kc, , kh, kw] = rn.inputShapes[1] as [number, number, number, number];
  const [, , oh, ow] = dwOutputShape(rn.inputShapes[0]!, rn.inputShapes[1]!, a.dw) as [number, number, number, number];
  const dw: DwGeometry = { n, c, h, w, cout: kc, oh, ow, kh, kw, strides: a.dw.strides, dilations: a.dw.dilations, pads: a.dw.pads };
  return { dw, n: rn.inputShapes[3]![0]! };
}

/**
 * One dispatch of dwpw.wgsl (the tiled kernel on every adapter: the graph pass fuses a pair only where it wins,
 * see dwPwWins, so a FusedDwPw node exists only where this kernel is the one to run).
 */
export const dwPwProgram: GpuProgram = {
  // dwpw.wgsl reads x and the residual and writes y through the storage helpers (tiled on every adapter)
  halfIo(rn: ResolvedNode): HalfIo {
    const { pw } = rn.attrs as DwPwAttrs;
    return { inputs: pw.residual ? [0, 5] : [0], outputs: halfSafeOutput(pw.act, !!pw.residual) ? [0] : [] };
  },
  async build(rn: ResolvedNode, ctx: GpuBuildCtx): Promise<GpuNodeProgram> {
    const a = rn.attrs as DwPwAttrs;
    const g = dwPwGeometry(rn);
    const d = g.dw;
    if (d.n * d.oh * d.ow * g.n === 0) return { dispatches: [] };
    const name = rn.node.name;
    const dwW = floats(ctx, rn, 1, 'depthwise weight');
    const dwB = a.dw.hasBias ? floats(ctx, rn, 2, 'depthwise bias') : undefined;
    const pwW = floats(ctx, rn, 3, 'pointwise weight');
    const pwB = a.pw.hasBias ? floats(ctx, rn, 4, 'pointwise bias') : undefined;
    // f16 weights where the device has shader-f16 (src/gpu/precision.ts); this kernel is tiled on every adapter
    const half = ctx.weightsF16 === true;
    const weights = (data: Float32Array, label: string) => ctx.constBuffer(half ? packFloat16(data) : data, label);
    const bufs = {
      x: { kind: 'input', index: 0 } as const,
      wd: weights(packDepthwiseWeights(dwW, d.cout, d.kh, d.kw), `${name}.wd`),
      bd: ctx.constBuffer(padVector(dwB, d.cout, Math.ceil(d.cout / 4) * 4), `${name}.bd`),
      wp: weights(packPointwiseVec4(pwW, g.n, d.cout), `${name}.wp`),
      bp: ctx.constBuffer(padVector(pwB, g.n, Math.ceil(g.n / 4) * 4), `${name}.bp`),
      y: { kind: 'output', index: 0 } as const,
      residual: a.pw.residual ? ({ kind: 'input', index: 5 } as const) : undefined,
      wF16: half,
    };
    return { dispatches: [await dwpwDispatch(ctx, g, { dw: a.dw.act, pw: a.pw.act }, bufs, name)] };
  },
};

export const dwPwGpu: [string, GpuProgram][] = [[FUSED_DWPW, dwPwProgram]];
