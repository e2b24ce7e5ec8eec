import type { IntTensor, Value } from '../graph/ir.js';
import { isInt } from '../graph/ir.js';
import { shapeStr, sizeOf, stridesOf, type Shape, type Tensor } from '../tensor.js';
import { asFloat, type OpDef } from './types.js';

/** Element storage of a Value: float32 for activations, float64 for exact integers. */
export type Elems = Float32Array | Float64Array;

export function elems(v: Value): Elems {
  return isInt(v) ? v.ints : v.data;
}

/** A new Value of `like`'s dtype holding `data` (the caller guarantees the array type matches). */
export function withData(like: Value, shape: Shape, data: Elems): Value {
  return isInt(like) ? ({ shape: [...shape], ints: data as Float64Array } satisfies IntTensor)
    : ({ shape: [...shape], data: data as Float32Array } satisfies Tensor);
}

export function allocLike(like: Value, n: number): Elems {
  return isInt(like) ? new Float64Array(n) : new Float32Array(n);
}

/**
 * Multidirectional (numpy) broadcasting of input shapes; returns the message for `ctx.error` via `fail`
 * when two dimensions differ and neither is 1.
 */
export function broadcastShapes(shapes: readonly Shape[], fail: (message: string) => Error): Shape {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const off = rank - s.length;
    s.forEach((d, i) => {
      const o = out[off + i]!;
      if (d === o || d === 1) return;
      if (o === 1) out[off + i] = d;
      else throw fail(`cannot broadcast shapes ${shapes.map(shapeStr).join(' and ')}: dimension ${d} vs ${o}`);
    });
  }
  return out;
}

/** Element strides of `s` read as `out` (right-aligned, 0 where `s` is broadcast). */
function broadcastStrides(s: Shape, out: Shape): number[] {
  const st = stridesOf(s);
  const off = out.length - s.length;
  return out.map((_, i) => (i < off || s[i - off] === 1 ? 0 : st[i - off]!));
}

export type BinaryFn = (a: number, b: number) => number;

/**
 * One op's contiguous row loops: vector∘vector, vector∘scalar, scalar∘vector over `n` elements written at `o`.
 * Each op spells them out so the arithmetic inlines; a shared loop calling `f` per element turns megamorphic
 * once several ops use it and runs 2-3× slower.
 */
export interface BinaryRows {
  vv(d: Elems, a: Elems, ia: number, b: Elems, ib: number, o: number, n: number): void;
  vs(d: Elems, a: Elems, ia: number, b: number, o: number, n: number): void;
  sv(d: Elems, a: number, b: Elems, ib: number, o: number, n: number): void;
}

/** Row loops that call `f`; for integer shape arithmetic, where speed does not matter. */
export function rowsOf(f: BinaryFn): BinaryRows {
  return {
    vv: (d, a, ia, b, ib, o, n) => {
      for (let j = 0; j < n; j++) d[o + j] = f(a[ia + j]!, b[ib + j]!);
    },
    vs: (d, a, ia, b, o, n) => {
      for (let j = 0; j < n; j++) d[o + j] = f(a[ia + j]!, b);
    },
    sv: (d, a, b, ib, o, n) => {
      for (let j = 0; j < n; j++) d[o + j] = f(a, b[ib + j]!);
    },
  };
}

/** Plain broadcasting kernel: one multi-index per element. The oracle for `broadcastBinaryFast`. */
export function broadcastBinary(a: Elems, as: Shape, b: Elems, bs: Shape, out: Shape, dst: Elems, f: BinaryFn): void {
  const sa = broadcastStrides(as, out);
  const sb = broadcastStrides(bs, out);
  const idx = new Array<number>(out.length).fill(0);
  for (let i = 0; i < dst.length; i++) {
    let ia = 0;
    let ib = 0;
    for (let k = 0; k < out.length; k++) {
      ia += idx[k]! * sa[k]!;
      ib += idx[k]! * sb[k]!;
    }
    dst[i] = f(a[ia]!, b[ib]!);
    for (let k = out.length - 1; k >= 0; k--) {
      if (++idx[k]! < out[k]!) break;
      idx[k] = 0;
    }
  }
}

/**
 * Same result as `broadcastBinary`. Size-1 output dims are dropped and adjacent dims merged wherever both
 * operands stay contiguous (or both stay broadcast), so same-shape becomes one flat loop and
 * (N,C,H,W)·(N,C,1,1) becomes N·C rows with a per-row constant; only the outer loop does index arithmetic.
 */
export function broadcastBinaryFast(
  a: Elems, as: Shape, b: Elems, bs: Shape, out: Shape, dst: Elems, f: BinaryFn, rows: BinaryRows,
): void {
  const n = dst.length;
  if (n === 0) return;
  if (a.length === n && b.length === n) return rows.vv(dst, a, 0, b, 0, 0, n);
  if (b.length === 1) return rows.vs(dst, a, 0, b[0]!, 0, n);
  if (a.length === 1) return rows.sv(dst, a[0]!, b, 0, 0, n);
  const sa0 = broadcastStrides(as, out);
  const sb0 = broadcastStrides(bs, out);
  const dims: number[] = [];
  const sa: number[] = [];
  const sb: number[] = [];
  out.forEach((d, i) => {
    if (d === 1) return;
    const k = dims.length - 1;
    if (k >= 0 && sa[k] === sa0[i]! * d && sb[k] === sb0[i]! * d) {
      dims[k]! *= d;
      sa[k] = sa0[i]!;
      sb[k] = sb0[i]!;
    } else {
      dims.push(d);
      sa.push(sa0[i]!);
      sb.push(sb0[i]!);
    }
  });
  const last = dims.length - 1;
  const inner = dims[last]!;
  const ia = sa[last]!;
  const ib = sb[last]!;
  const idx = new Array<number>(last).fill(0);
  let oa = 0;
  let ob = 0;
  for (let o = 0; o < n; o += inner) {
    if (ia === 1 && ib === 1) rows.vv(dst, a, oa, b, ob, o, inner);
    else if (ia === 1 && ib === 0) rows.vs(dst, a, oa, b[ob]!, o, inner);
    else if (ia === 0 && ib === 1) rows.sv(dst, a[oa]!, b, ob, o, inner);
    else for (let j = 0; j < inner; j++) dst[o + j] = f(a[oa + j * ia]!, b[ob + j * ib]!);
    for (let k = last - 1; k >= 0; k--) {
      oa += sa[k]!;
      ob += sb[k]!;
      if (++idx[k]! < dims[k]!) break;
      oa -= sa[k]! * dims[k]!;
      ob -= sb[k]! * dims[k]!;
      idx[k] = 0;
    }
  }
}

/** A broadcasting binary op built by binaryOp, with the arithmetic its CPU kernel runs (src/cpu/ops/elementwise.ts). */
export interface BinaryOpDef extends OpDef<null> {
  readonly f: BinaryFn;
  readonly rows: BinaryRows;
  readonly intF: BinaryFn;
  readonly intRows: BinaryRows;
}

/**
 * Applies a binary op to two broadcasting operands: the plain kernel, or with `fast` the one with row loops. Two integer operands give an integer result computed with `intF`; anything else is float32, its
 * output from `alloc`.
 */
export function runBinary(
  def: BinaryOpDef, inputs: readonly Value[], fast: boolean, alloc: (n: number) => Float32Array,
): Value[] {
  const [x, y] = inputs as [Value, Value];
  const out = broadcastShapes([x.shape, y.shape], (m) => new RangeError(`${def.op}: ${m}`));
  if (isInt(x) && isInt(y)) {
    const dst = new Float64Array(sizeOf(out));
    if (fast) broadcastBinaryFast(x.ints, x.shape, y.ints, y.shape, out, dst, def.intF, def.intRows);
    else broadcastBinary(x.ints, x.shape, y.ints, y.shape, out, dst, def.intF);
    return [{ shape: out, ints: dst }];
  }
  const a = asFloat(x);
  const b = asFloat(y);
  const dst = alloc(sizeOf(out));
  if (fast) broadcastBinaryFast(a.data, a.shape, b.data, b.shape, out, dst, def.f, def.rows);
  else broadcastBinary(a.data, a.shape, b.data, b.shape, out, dst, def.f);
  return [{ shape: out, data: dst }];
}

/**
 * An elementwise binary op with numpy broadcasting. `rows` must compute `f`. Two integer operands give an
 * integer result computed with `intF` (defaults to `f`); anything else is float32.
 */
export function binaryOp(op: string, f: BinaryFn, rows: BinaryRows, intF: BinaryFn = f): BinaryOpDef {
  const def: BinaryOpDef = {
    op,
    parse: (ctx) => {
      ctx.shape(0);
      ctx.shape(1);
      return null;
    },
    outputShapes: (ctx) => [broadcastShapes([ctx.shape(0), ctx.shape(1)], (m) => ctx.error(m))],
    reference: (inputs) => runBinary(def, inputs, false, (n) => new Float32Array(n)),
    f,
    rows,
    intF,
    intRows: rowsOf(intF),
  };
  return def;
}

/**
 * dst[i] = src[offset + Σ idx_k·strides_k] over the multi-indices of `out` in row-major order (Transpose, Slice).
 * Strides may be negative or zero.
 */
export function stridedCopy(src: Elems, offset: number, strides: readonly number[], out: Shape, dst: Elems): void {
  const n = dst.length;
  if (n === 0) return;
  if (out.length === 0) {
    dst[0] = src[offset]!;
    return;
  }
  const last = out.length - 1;
  const inner = out[last]!;
  const is = strides[last]!;
  const idx = new Array<number>(last).fill(0);
  let off = offset;
  for (let o = 0; o < n; o += inner) {
    if (is === 1) for (let j = 0; j < inner; j++) dst[o + j] = src[off + j]!;
    else for (let j = 0; j < inner; j++) dst[o + j] = src[off + j * is]!;
    for (let k = last - 1; k >= 0; k--) {
      off += strides[k]!;
      if (++idx[k]! < out[k]!) break;
      off -= strides[k]! * out[k]!;
      idx[k] = 0;
    }
  }
}
