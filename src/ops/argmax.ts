import type { Value } from '../graph/ir.js';
import { shapeStr, sizeOf } from '../tensor.js';
import { asFloat, defineOp, type OpDef } from './types.js';

export interface ArgAttrs {
  axis: number;
  keepdims: boolean;
  selectLast: boolean;
  outShape: number[];
}

/**
 * Index of the largest (ArgMax) or smallest (ArgMin) element along `axis`, as a float value (runtime tensors are
 * float32 here). Ties go to the first index, or the last with select_last_index; NaN counts as the extreme (numpy).
 */
function argOp(op: string, max: boolean): OpDef<ArgAttrs> {
  // true when v beats the current best b (at an earlier index when `later` is false)
  const beats = (v: number, b: number, later: boolean) => {
    if (b !== b) return later && v !== v; // NaN best: only a later NaN replaces it, with select_last_index
    if (v !== v) return true;
    return max ? v > b || (later && v === b) : v < b || (later && v === b);
  };
  const kernel = (inputs: readonly Value[], a: ArgAttrs): Value[] => {
    const x = asFloat(inputs[0]);
    const s = x.shape;
    const n = s[a.axis]!;
    const inner = sizeOf(s.slice(a.axis + 1));
    const outer = sizeOf(s.slice(0, a.axis));
    const y = new Float32Array(outer * inner);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let best = x.data[base]!;
        let at = 0;
        for (let k = 1; k < n; k++) {
          const v = x.data[base + k * inner]!;
          if (beats(v, best, a.selectLast)) {
            best = v;
            at = k;
          }
        }
        y[o * inner + i] = at;
      }
    return [{ shape: a.outShape, data: y }];
  };
  return defineOp<ArgAttrs>({
    op,
    parse(ctx) {
      const xs = ctx.shape(0);
      const r = xs.length;
      if (r === 0) throw ctx.error('input must have rank >= 1');
      const raw = ctx.int('axis', 0);
      if (raw < -r || raw >= r) throw ctx.error(`axis ${raw} is out of range [${-r}, ${r - 1}] for input ${shapeStr(xs)}`);
      const axis = raw < 0 ? raw + r : raw;
      if (xs[axis] === 0) throw ctx.error(`axis ${axis} of input ${shapeStr(xs)} is empty`);
      const keepdims = ctx.int('keepdims', 1) !== 0;
      const outShape = xs.flatMap((d, k) => (k !== axis ? [d] : keepdims ? [1] : []));
      return { axis, keepdims, selectLast: ctx.int('select_last_index', 0) !== 0, outShape };
    },
    outputShapes: (_ctx, a) => [a.outShape],
    reference: kernel,
  });
}

export const ArgMax = argOp('ArgMax', true);
export const ArgMin = argOp('ArgMin', false);
