import type { Value } from '../../graph/ir.js';
import { axisTable, type ResizeAttrs } from '../../ops/resize.js';
import { asFloat } from '../../ops/types.js';
import { outputBuffer } from '../pool.js';

export function resizeKernel(inputs: readonly Value[], a: ResizeAttrs): Value[] {
  const x = asFloat(inputs[0]).data;
  const { h, w } = a;
  const th = axisTable(h, a.mode, a.nearest);
  const tw = axisTable(w, a.mode, a.nearest);
  const iw = w.inSize;
  const ow = w.outSize;
  const planes = x.length / (h.inSize * iw);
  const y = outputBuffer(planes * h.outSize * ow);
  // linear: each input row's horizontal blend, kept (in float64, as computed inline) for the output rows that
  // reuse it (an upsampling reads each row pair for several output rows)
  const rows = a.mode === 'nearest' ? [] : [new Float64Array(ow), new Float64Array(ow)];
  const held = [-1, -1];
  /** The slot holding row offset r's blend, computed into the slot other than `keep` (else the older row's). */
  const blended = (r: number, keep: number): number => {
    if (held[0] === r) return 0;
    if (held[1] === r) return 1;
    const slot = keep >= 0 ? 1 - keep : held[0]! <= held[1]! ? 0 : 1;
    const out = rows[slot]!;
    held[slot] = r;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = tw.i0[ox]!;
      const x1 = tw.i1[ox]!;
      out[ox] = x[r + x0]! + (x[r + x1]! - x[r + x0]!) * tw.w[ox]!;
    }
    return slot;
  };
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * h.inSize * iw;
    for (let oy = 0; oy < h.outSize; oy++) {
      const r0 = base + th.i0[oy]! * iw;
      if (a.mode === 'nearest') {
        for (let ox = 0; ox < ow; ox++) y[o++] = x[r0 + tw.i0[ox]!]!;
        continue;
      }
      const r1 = base + th.i1[oy]! * iw;
      const wy = th.w[oy]!;
      const ts = blended(r0, -1);
      const top = rows[ts]!;
      const bottom = rows[blended(r1, ts)]!;
      for (let ox = 0; ox < ow; ox++) {
        const t = top[ox]!;
        y[o++] = t + (bottom[ox]! - t) * wy;
      }
    }
  }
  return [{ shape: a.outShape, data: y }];
}
