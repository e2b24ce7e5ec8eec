import { isInt } from '../../graph/ir.js';
import type { ResolvedNode } from '../../graph/resolve.js';
import { gemmDispatch } from '../kernels/gemm.js';
import type { KernelVariant } from '../variant.js';
import { physicalStrides, toDevice } from '../layout.js';
import type { BindingRef, GpuBuildCtx, GpuNodeProgram, GpuProgram } from '../program.js';
import { stridesOf, type Shape } from '../../tensor.js';
import type { GemmAttrs } from '../../ops/gemm.js';
import type { MatMulAttrs } from '../../ops/matmul.js';

/**
 * `residual` fuses a following Add into the epilogue (Y = act(...) + R, R laid out like Y); `variant` forces the
 * GEMM flavour (tests, benches). Same contract as ConvGpuOptions in conv.gpu.ts.
 */
export interface GemmGpuOptions {
  residual?: BindingRef;
  variant?: KernelVariant;
}

/** A constant input uploaded once in device layout; a runtime input bound as is. */
function operand(ctx: GpuBuildCtx, rn: ResolvedNode, i: number): BindingRef {
  const v = ctx.constant(i);
  if (v === undefined) return { kind: 'input', index: i };
  const data = isInt(v) ? Float32Array.from(v.ints) : v.data;
  return ctx.constBuffer(toDevice(v.shape, data), `${rn.node.name}.in${i}`);
}

export function gemmProgram(opts: GemmGpuOptions = {}): GpuProgram {
  return {
    async build(rn: ResolvedNode, ctx: GpuBuildCtx): Promise<GpuNodeProgram> {
      const a = rn.attrs as GemmAttrs;
      const name = rn.node.name;
      let b: BindingRef;
      let bStrides: [number, number];
      const bConst = ctx.constant(1);
      if (bConst !== undefined) {
        // Constant B is stored [K, N] whatever transB says, so invocations read consecutive n.
        const src = isInt(bConst) ? Float32Array.from(bConst.ints) : bConst.data;
        const packed = new Float32Array(a.K * a.N);
        for (let k = 0; k < a.K; k++) for (let j = 0; j < a.N; j++) packed[k * a.N + j] = src[a.transB ? j * a.K + k : k * a.N + j]!;
        b = ctx.constBuffer(packed, `${name}.B`);
        bStrides = [a.N, 1];
      } else {
        b = { kind: 'input', index: 1 };
        bStrides = a.transB ? [1, a.K] : [a.N, 1];
      }
      let c;
      if (a.hasC && a.beta !== 0) {
        const cs = rn.inputShapes[2]!;
        const st = stridesOf(cs);
        // C broadcasts from the right to [M, N]; a size-1 (or missing) dim gets stride 0.
        const dimStride = (fromEnd: number) => {
          const d = cs.length - fromEnd;
          return d < 0 || cs[d] === 1 ? 0 : st[d]!;
        };
        c = { ref: operand(ctx, rn, 2), strides: [dimStride(2), dimStride(1)] as [number, number], beta: a.beta };
      }
      const d = await gemmDispatch(
        ctx,
        {
          m: a.M, n: a.N, k: a.K,
          a: operand(ctx, rn, 0), aStrides: a.transA ? [1, a.M] : [a.K, 1],
          b, bStrides,
          y: { kind: 'output', index: 0 }, yStrides: [a.N, 1],
          c, alpha: a.alpha, act: a.act,
          residual: opts.residual, variant: opts.variant,
        },
        name,
      );
      return { dispatches: d ? [d] : [] };
    },
  };
}

/**
 * Matrix strides and per-batch offset of a numpy-style matmul operand in its device layout (NHWC when 4-D).
 * A 1-D operand's missing matrix dim gets stride 0; batch dims of size 1 broadcast (offset 0).
 */
function matmulOperand(shape: Shape, isA: boolean) {
  const ps = physicalStrides(shape);
  const r = shape.length;
  let matStrides: [number, number];
  if (r === 1) matStrides = isA ? [0, 1] : [1, 0];
  else matStrides = [ps[r - 2]!, ps[r - 1]!];
  const batchDims = Math.max(0, r - 2);
  const offsetOf = (bidx: readonly number[]) => {
    let o = 0;
    for (let d = 0; d < batchDims; d++) {
      const bd = bidx.length - batchDims + d;
      if (shape[d] !== 1) o += bidx[bd]! * ps[d]!;
    }
    return o;
  };
  return { matStrides, offsetOf };
}

export function matmulProgram(opts: GemmGpuOptions = {}): GpuProgram {
  return {
    async build(rn: ResolvedNode, ctx: GpuBuildCtx): Promise<GpuNodeProgram> {
      const a = rn.attrs as MatMulAttrs;
      const [as, bs] = rn.inputShapes as [Shape, Shape];
      const out = rn.outputShapes[0]!;
      const A = matmulOperand(as, true);
      const B = matmulOperand(bs, false);
      const ps = physicalStrides(out);
      const R = out.length;
      const yStrides: [number, number] =
        as.length > 1 && bs.length > 1 ? [ps[R - 2]!, ps[R - 1]!] : as.length > 1 ? [ps[R - 1] ?? 0, 0] : bs.length > 1 ? [0, ps[R - 1]!] : [0, 0];
      const count = a.batch.reduce((p, d) => p * d, 1);
      const bstr = stridesOf(a.batch);
      const offsets: [number, number, number][] = [];
      for (let f = 0; f < count; f++) {
        const bidx = a.batch.map((d, i) => Math.floor(f / bstr[i]!) % d);
        let yo = 0;
        bidx.forEach((v, i) => (yo += v * ps[i]!));
        offsets.push([A.offsetOf(bidx), B.offsetOf(bidx), yo]);
      }
      const d = await gemmDispatch(
        ctx,
        {
          m: a.M, n: a.N, k: a.K,
          a: operand(ctx, rn, 0), aStrides: A.matStrides,
          b: operand(ctx, rn, 1), bStrides: B.matStrides,
          y: { kind: 'output', index: 0 }, yStrides,
          offsets, act: { kind: 'none' },
          residual: opts.residual, variant: opts.variant,
        },
        rn.node.name,
      );
      return { dispatches: d ? [d] : [] };
    },
  };
}

export const gemmGpu: [string, GpuProgram][] = [
  ['Gemm', gemmProgram()],
  ['MatMul', matmulProgram()],
];
