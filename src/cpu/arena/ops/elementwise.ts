/**
 * Elementwise ops on the CPU engine (c/elementwise.c): broadcasting binaries and unary maths/activations.
 *
 * Unary ops keep their input's layout. A binary's output is NHWC when it is 4-D and a 4-D input arrives NHWC, and
 * its 4-D inputs are asked in the output's layout; every input is read through its own strides in the output's
 * physical order (0 on broadcast axes, numpy-style on the logical shapes). Constant operands are packed at load in
 * that order, reduced to their own extent (a per-channel [1,C,1,1] against NHWC becomes a length-C vector repeated
 * for each pixel).
 */
import type { ResolvedNode } from '../../../graph/resolve.js';
import { ModelFormatError } from '../../../errors.js';
import { stridedCopy } from '../../../ops/broadcast.js';
import type { ClipAttrs } from '../../../ops/clip.js';
import type { AlphaAttrs } from '../../../ops/elu.js';
import type { GeluAttrs } from '../../../ops/gelu.js';
import { sizeOf, stridesOf } from '../../../tensor.js';
import type { ArenaKernel, BuildCtx, Call, Layout } from '../types.js';

/** Floats per tile of a flat call (a unit a thread takes). */
const BLOCK = 2048;
/** Dimensions of the C kernels' broadcast descriptor (elt_*_nd). */
const ND = 6;
/** Logical NCHW axes in NHWC storage order. */
const NHWC_ORDER = [0, 2, 3, 1];

/** The logical axes of an `rank`-D tensor in the order `layout` stores them. */
export function physicalOrder(rank: number, layout: Layout): number[] {
  return layout === 'nhwc' && rank === 4 ? NHWC_ORDER : Array.from({ length: rank }, (_, i) => i);
}

/** Element strides of each logical axis of a tensor stored in `layout`. */
function layoutStrides(shape: readonly number[], layout: Layout): number[] {
  const order = physicalOrder(shape.length, layout);
  const st = stridesOf(order.map((a) => shape[a]!));
  const out = new Array<number>(shape.length);
  order.forEach((a, k) => (out[a] = st[k]!));
  return out;
}

/**
 * Strides of an operand (logical `shape`, element `strides` per logical axis) read along the output's axes in
 * `order`: right-aligned (numpy), 0 where the operand has extent 1 or lacks the axis.
 */
function alignStrides(shape: readonly number[], strides: readonly number[], order: readonly number[]): number[] {
  const off = order.length - shape.length;
  return order.map((a) => (a < off || shape[a - off] === 1 ? 0 : strides[a - off]!));
}

interface Operand {
  offset: number;
  /** Element strides along the output's physical axes. */
  strides: number[];
}

/** Operand i: an arena slot read in place, or a constant packed in the output's physical order. */
function operand(ctx: BuildCtx, i: number, order: readonly number[]): Operand {
  const slot = ctx.input(i);
  if (slot) return { offset: slot.offset, strides: alignStrides(slot.shape, layoutStrides(slot.shape, slot.layout), order) };
  const data = ctx.constant(i);
  if (!data) {
    const { op, name } = ctx.node.node;
    throw new ModelFormatError(`${op} node "${name}": input ${i} is neither a float tensor nor a float constant`);
  }
  const shape = ctx.node.inputShapes[i]!;
  const padded = [...new Array<number>(order.length - shape.length).fill(1), ...shape];
  const packedShape = order.map((a) => padded[a]!);
  const packed = new Float32Array(data.length);
  stridedCopy(data, 0, alignStrides(shape, stridesOf(shape), order), packedShape, packed);
  return { offset: ctx.weights(packed), strides: alignStrides(packedShape, stridesOf(packedShape), packedShape.map((_, k) => k)) };
}

/** The binaries c/elementwise.c serves, an op's index its code there. */
const BINARY_OPS = ['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'PRelu'];

/**
 * A broadcasting binary over c/elementwise.c's elt_binary_flat / elt_binary_nd: output axes of extent 1 dropped,
 * neighbours merged where both operands stay contiguous (or both broadcast) across them, so a same-shape op or a
 * scalar operand is one flat loop and a per-channel vector against NHWC is pixels × C rows.
 */
export function binaryKernel(op: string): ArenaKernel {
  const code = BINARY_OPS.indexOf(op);
  if (code < 0) throw new Error(`no CPU-engine binary kernel for ${op}`);
  return {
    layouts(rn: ResolvedNode, have) {
      if (rn.node.inputs.length !== 2 || rn.node.inputs.includes('')) return undefined;
      const out = rn.outputShapes[0]!;
      if (out.length > ND || (have[0] === undefined && have[1] === undefined)) return undefined;
      const layout: Layout = out.length === 4 && rn.inputShapes.some((s, i) => s.length === 4 && have[i] === 'nhwc') ? 'nhwc' : 'plain';
      // A 4-D operand in the other layout would be read one lane at a time (7.5x the time of a layout conversion + a flat
      // op on 16x128x128): ask for the output's layout, which the planner converts once (or relabels for free).
      const inputs = have.map((l, i) => (l !== undefined && rn.inputShapes[i]!.length === 4 ? layout : l));
      return { inputs, outputs: [layout] };
    },
    build(ctx): Call[] {
      const out = ctx.output(0);
      const n = sizeOf(out.shape);
      if (n === 0) return [];
      const order = physicalOrder(out.shape.length, out.layout);
      const [a, b] = [operand(ctx, 0, order), operand(ctx, 1, order)];
      const dims: number[] = [];
      const sa: number[] = [];
      const sb: number[] = [];
      order.forEach((axis, k) => {
        const d = out.shape[axis]!;
        if (d === 1) return;
        const j = dims.length - 1;
        if (j >= 0 && sa[j] === a.strides[k]! * d && sb[j] === b.strides[k]! * d) {
          dims[j]! *= d;
          sa[j] = a.strides[k]!;
          sb[j] = b.strides[k]!;
        } else {
          dims.push(d);
          sa.push(a.strides[k]!);
          sb.push(b.strides[k]!);
        }
      });
      if (dims.length <= 1)
        return [{ fn: 'elt_binary_flat', args: [code, out.offset, a.offset, sa[0] ?? 0, b.offset, sb[0] ?? 0, n, BLOCK], tiles: Math.ceil(n / BLOCK) }];
      const lead = ND - dims.length;
      const g = Int32Array.from([
        ...new Array<number>(lead).fill(1), ...dims,
        ...new Array<number>(lead).fill(0), ...sa,
        ...new Array<number>(lead).fill(0), ...sb,
      ]);
      return [{ fn: 'elt_binary_nd', args: [code, out.offset, a.offset, b.offset, ctx.weights(new Float32Array(g.buffer))], tiles: n / dims[dims.length - 1]! }];
    },
  };
}

/** The (p, q) parameters of each unary op, from its parsed attributes; an op's index is its code in c/elementwise.c. */
const UNARY_PARAMS: Record<string, (attrs: any) => [number, number]> = {
  Relu: () => [0, 0],
  Clip: (a: ClipAttrs) => [a.min, a.max],
  LeakyRelu: (a: AlphaAttrs) => [a.alpha, 0],
  Elu: (a: AlphaAttrs) => [a.alpha, 0],
  Sigmoid: () => [0, 0],
  HardSigmoid: (a: { alpha: number; beta: number }) => [a.alpha, a.beta],
  HardSwish: () => [0, 0],
  Tanh: () => [0, 0],
  Exp: () => [0, 0],
  Log: () => [0, 0],
  Gelu: (a: GeluAttrs) => [a.tanh, 0],
  Neg: () => [0, 0],
  Abs: () => [0, 0],
  Sqrt: () => [0, 0],
  Reciprocal: () => [0, 0],
  Floor: () => [0, 0],
  Ceil: () => [0, 0],
  Round: () => [0, 0],
  Sign: () => [0, 0],
};

/** The ops unaryKernel serves. */
export const UNARY_OPS = Object.keys(UNARY_PARAMS);

/** An elementwise float op over c/elementwise.c's elt_unary; other inputs (Clip's bounds) are load-time constants. */
export function unaryKernel(op: string): ArenaKernel {
  const params = UNARY_PARAMS[op];
  const code = UNARY_OPS.indexOf(op);
  if (!params) throw new Error(`no CPU-engine unary kernel for ${op}`);
  return {
    layouts(rn, have) {
      if (have[0] === undefined || have.slice(1).some((l) => l !== undefined)) return undefined;
      return { inputs: have.map((_, i) => (i === 0 ? have[0] : undefined)), outputs: [have[0]] };
    },
    build(ctx): Call[] {
      const x = ctx.input(0)!;
      const n = sizeOf(x.shape);
      if (n === 0) return [];
      const [p, q] = params(ctx.node.attrs);
      return [{ fn: 'elt_unary', args: [code, ctx.output(0).offset, x.offset, n, BLOCK, p, q], tiles: Math.ceil(n / BLOCK) }];
    },
  };
}
