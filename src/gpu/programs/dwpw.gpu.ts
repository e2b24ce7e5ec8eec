import { GpuError } from '../../errors.js';
import { isInt } from '../../graph/ir.js';
import type { ResolvedNode } from '../../graph/resolve.js';
import { depthwiseDispatch, packDepthwiseWeights, padVector, type DwGeometry } from '../kernels/depthwise.js';
import { dwpwDispatch, dwPwWins, packPointwiseVec4, type DwPwGeometry } from '../kernels/dwpw.js';
import { defaultVariant, gemmDispatch, type GemmVariant } from '../kernels/gemm.js';
import type { BindingRef, Dispatch, GpuBuildCtx, GpuNodeProgram, GpuProgram } from '../program.js';
import { dwOutputShape, FUSED_DWPW, type DwPwAttrs } from '../../ops/dwpw.js';

/** Options for tests and benches: force the kernel variant, or force the fused kernel where it would not win. */
export interface DwPwGpuOptions {
  variant?: GemmVariant;
  alwaysFuse?: boolean;
}

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
 * One dispatch of dwpw.wgsl where it beats the pair (dwPwWins for this adapter's variant), else the depthwise
 * and pointwise kernels back to back through a private scratch buffer.
 */
export function dwPwProgram(opts: DwPwGpuOptions = {}): GpuProgram {
  return {
    async build(rn: ResolvedNode, ctx: GpuBuildCtx): Promise<GpuNodeProgram> {
      const a = rn.attrs as DwPwAttrs;
      const g = dwPwGeometry(rn);
      const d = g.dw;
      const m = d.n * d.oh * d.ow;
      if (m * g.n === 0) return { dispatches: [] };
      const name = rn.node.name;
      const variant = opts.variant ?? defaultVariant(ctx);
      const x: BindingRef = { kind: 'input', index: 0 };
      const y: BindingRef = { kind: 'output', index: 0 };
      const residual: BindingRef | undefined = a.pw.residual ? { kind: 'input', index: 5 } : undefined;
      const dwW = floats(ctx, rn, 1, 'depthwise weight');
      const dwB = a.dw.hasBias ? floats(ctx, rn, 2, 'depthwise bias') : undefined;
      const pwW = floats(ctx, rn, 3, 'pointwise weight');
      const pwB = a.pw.hasBias ? floats(ctx, rn, 4, 'pointwise bias') : undefined;
      const k4 = Math.ceil(d.cout / 4) * 4;
      const wd = ctx.constBuffer(packDepthwiseWeights(dwW, d.cout, d.kh, d.kw), `${name}.wd`);
      const bd = ctx.constBuffer(padVector(dwB, d.cout, k4), `${name}.bd`);
      if (opts.alwaysFuse || dwPwWins(g, variant, ctx.limits)) {
        const wp = ctx.constBuffer(packPointwiseVec4(pwW, g.n, d.cout), `${name}.wp`);
        const bp = ctx.constBuffer(padVector(pwB, g.n, Math.ceil(g.n / 4) * 4), `${name}.bp`);
        const acts = { dw: a.dw.act, pw: a.pw.act };
        return { dispatches: [await dwpwDispatch(ctx, g, acts, { x, wd, bd, wp, bp, y, residual }, variant, name)] };
      }
      const mid = ctx.scratch(m * d.cout * 4, `${name}.dw`);
      const dispatches: Dispatch[] = [await depthwiseDispatch(ctx, d, a.dw.act, { x, w: wd, b: bd, y: mid }, `${name}.dw`)];
      const packed = new Float32Array(d.cout * g.n);
      for (let o = 0; o < g.n; o++) for (let i = 0; i < d.cout; i++) packed[i * g.n + o] = pwW[o * d.cout + i]!;
      const pw = await gemmDispatch(
        ctx,
        {
          m, n: g.n, k: d.cout,
          a: mid, aStrides: [d.cout, 1],
          b: ctx.constBuffer(packed, `${name}.wp`), bStrides: [g.n, 1],
          y, yStrides: [g.n, 1],
          c: { ref: ctx.constBuffer(padVector(pwB, g.n, g.n), `${name}.bp`), strides: [0, 1], beta: 1 },
          act: a.pw.act,
          residual,
          variant,
        },
        `${name}.pw`,
      );
      if (pw) dispatches.push(pw);
      return { dispatches };
    },
  };
}

export const dwPwGpu: [string, GpuProgram][] = [[FUSED_DWPW, dwPwProgram()]];
