import { GpuError } from '../../errors.js';
import { isInt, type Value } from '../../graph/ir.js';
import type { ResolvedNode } from '../../graph/resolve.js';
import { conv2dDispatch, packConv2dWeights, type Conv2dGeometry, type ConvTile } from '../kernels/conv2d.js';
import { depthwiseDispatch, packDepthwiseWeights, padVector } from '../kernels/depthwise.js';
import { gemmDispatch, type GemmTile } from '../kernels/gemm.js';
import { packWinogradWeights, winogradDispatches, winogradEligible } from '../kernels/winograd.js';
import { packFloat16 } from '../precision.js';
import { kernelVariant, type KernelVariant } from '../variant.js';
import { laterIfCached, type BindingRef, type Dispatch, type GpuBuildCtx, type GpuNodeProgram, type GpuProgram } from '../program.js';
import { halfSafeOutput, NO_HALF, type HalfIo } from '../elem-storage.js';
import { convKernelFor, type ConvAttrs } from '../../ops/conv.js';

/**
 * Options an executor passes when it builds a Conv with extras no ONNX attribute carries:
 * `residual` fuses a following Add: the kernel writes act(conv(x) + bias) + residual, where residual is laid out
 * exactly like the output (NHWC, same shape) — e.g. `{ kind: 'input', index: 3 }` after appending the Add's other
 * operand to the node's inputs. Supported by the pointwise and implicit-GEMM kernels and the register variant's
 * depthwise kernel; the tiled depthwise kernel throws GPU_UNSUPPORTED (leave that Add unfused). `variant` forces the
 * GEMM flavour (tests, benches).
 */
export interface ConvGpuOptions {
  residual?: BindingRef;
  variant?: KernelVariant;
  /** false: the register variant's 3×3 stride-1 convs run the direct kernel, not Winograd (kernels/winograd.ts) */
  winograd?: boolean;
  /** the tiled variant's plan instead of the planner's (tests and the traffic bench run each kind and block) */
  convTile?: ConvTile;
  gemmTile?: GemmTile;
}

function constFloats(ctx: GpuBuildCtx, rn: ResolvedNode, i: number, what: string): Float32Array {
  const v: Value | undefined = ctx.constant(i);
  if (v === undefined)
    throw new GpuError(`Conv node "${rn.node.name}": the ${what} must be a constant known at load time on the GPU`, 'GPU_UNSUPPORTED');
  return isInt(v) ? Float32Array.from(v.ints) : v.data;
}

export function convProgram(opts: ConvGpuOptions = {}): GpuProgram {
  return {
    // the tiled depthwise (x, y), pointwise GEMM and implicit GEMM (x, y, residual) kernels; what only the register
    // kernels run (an activation after the residual, a narrow residual) stays f32, and y where its range is unbounded
    halfIo(rn: ResolvedNode, variant: KernelVariant): HalfIo {
      const a = rn.attrs as ConvAttrs;
      if ((opts.variant ?? variant) !== 'tiled' || a.post || a.residualChannels !== undefined || opts.residual) return NO_HALF;
      const outputs = halfSafeOutput(a.act, !!a.residual) ? [0] : [];
      if (convKernelFor(rn.inputShapes[0]!, a) === 'depthwise') return a.residual ? NO_HALF : { inputs: [0], outputs };
      return { inputs: a.residual ? [0, 3] : [0], outputs };
    },
    async build(rn: ResolvedNode, ctx: GpuBuildCtx): Promise<GpuNodeProgram> {
      const a = rn.attrs as ConvAttrs;
      const [n, c, h, w] = rn.inputShapes[0] as [number, number, number, number];
      const [cout, , kh, kw] = rn.inputShapes[1] as [number, number, number, number];
      const [, , oh, ow] = rn.outputShapes[0] as [number, number, number, number];
      if (n * oh * ow * cout === 0) return { dispatches: [] };
      const weights = constFloats(ctx, rn, 1, 'weight');
      const bias = a.hasBias ? constFloats(ctx, rn, 2, 'bias') : undefined;
      const name = rn.node.name;
      const x: BindingRef = { kind: 'input', index: 0 };
      const y: BindingRef = { kind: 'output', index: 0 };
      const kernel = convKernelFor(rn.inputShapes[0]!, a);
      const residual: BindingRef | undefined = opts.residual ?? (a.residual ? { kind: 'input', index: 3 } : undefined);
      // an activation after the fused residual (src/gpu/fuse-post.ts): the register kernels' act, the residual added first
      if (a.post && (a.act.kind !== 'none' || !residual))
        throw new GpuError(`Conv node "${name}": an activation after the fused residual runs on the GPU only when the conv has none of its own`, 'GPU_UNSUPPORTED');
      const act = a.post ?? a.act;
      const residualFirst = !!a.post;
      if (a.residualChannels !== undefined && kernel !== 'pointwise')
        throw new GpuError(`Conv node "${name}": a narrow residual (a folded channel Pad) runs on the GPU only in a pointwise conv`, 'GPU_UNSUPPORTED');
      // f16 weights (src/gpu/precision.ts): the tiled depthwise and pointwise kernels, where the device has shader-f16
      const halfFor = (variant: KernelVariant) => ctx.weightsF16 === true && variant === 'tiled';
      const weightBuffer = (data: Float32Array, half: boolean, label: string) => ctx.constBuffer(half ? packFloat16(data) : data, label);
      let d: Dispatch | undefined;
      if (kernel === 'depthwise') {
        if (residual && (kernelVariant(ctx.info) !== 'register' || residualFirst))
          throw new GpuError(`Conv node "${name}": a fused residual runs only in the register (software-adapter) depthwise kernel, after its own activation`, 'GPU_UNSUPPORTED');
        const g = { n, c, h, w, cout, oh, ow, kh, kw, strides: a.strides, dilations: a.dilations, pads: a.pads };
        const half = halfFor(kernelVariant(ctx.info));
        const wb = weightBuffer(packDepthwiseWeights(weights, cout, kh, kw), half, `${name}.w`);
        const bb = ctx.constBuffer(padVector(bias, cout, Math.ceil(cout / 4) * 4), `${name}.b`);
        d = await depthwiseDispatch(ctx, g, a.act, { x, w: wb, wF16: half, b: bb, y, ...(residual ? { r: residual } : {}) }, name);
      } else if (kernel === 'pointwise') {
        // ONNX [cout, cin, 1, 1] is B^T; store it as B = [cin, cout] so the kernel reads rows of B along n.
        const packed = new Float32Array(c * cout);
        for (let o = 0; o < cout; o++) for (let i = 0; i < c; i++) packed[i * cout + o] = weights[o * c + i]!;
        const half = halfFor(opts.variant ?? kernelVariant(ctx.info));
        d = await gemmDispatch(
          ctx,
          {
            m: n * h * w, n: cout, k: c,
            a: x, aStrides: [c, 1],
            b: weightBuffer(packed, half, `${name}.w`), bStrides: [cout, 1], bF16: half, bConst: !half, ...(!half && ctx.twins() === 1 ? { bBake: packed } : {}),
            y, yStrides: [cout, 1],
            // zeros when there is no bias: one pipeline instead of two, for a negligible read
            c: { ref: ctx.constBuffer(padVector(bias, cout, cout), `${name}.b`), strides: [0, 1], beta: 1 },
            act,
            residual,
            residualFirst,
            residualColumns: a.residualChannels,
            variant: opts.variant,
            tile: opts.gemmTile,
          },
          name,
        );
      } else {
        const g: Conv2dGeometry = { n, c, h, w, cout, oh, ow, kh, kw, group: a.group, strides: a.strides, dilations: a.dilations, pads: a.pads };
        const variant = opts.variant ?? kernelVariant(ctx.info);
        const bb = ctx.constBuffer(padVector(bias, cout, cout), `${name}.b`);
        const direct = () => {
          const wv = packConv2dWeights(weights, g);
          return conv2dDispatch(ctx, g, act, { x, w: ctx.constBuffer(wv, `${name}.w`), wValues: wv, b: bb, y, residual, residualFirst }, name, variant, opts.convTile);
        };
        if (variant === 'register' && opts.winograd !== false && winogradEligible(g, ctx.limits)) {
          const wb = ctx.lazyConstBuffer(() => packWinogradWeights(weights, c, cout), `${name}.wino`);
          const later = winogradDispatches(ctx, g, act, { x, w: wb, b: bb, y, residual, residualFirst }, name);
          const cached = laterIfCached(ctx, later);
          if (cached) return { dispatches: await cached };
          // Until Winograd's three pipelines have compiled with the upgrades, the direct kernel's one: on SwiftShader
          // its loop form compiles and runs sooner than Winograd's three compile (conv3x3 bench: time to first
          // result 398-404 ms against 431-525 ms)
          const { upgrade: _, ...first } = await direct();
          return { dispatches: [first], later };
        }
        d = await direct();
      }
      return { dispatches: d ? [d] : [] };
    },
  };
}

export const convGpu: [string, GpuProgram][] = [['Conv', convProgram()]];
