/**
 * Implicit-GEMM convolution kernels for wasm-kernels.ts: a convolution of zero-padded input planes with
 * weights packed in CONV_MR-channel panels and a table of tap offsets (conv-igemm.ts lays all three out), no
 * im2col matrix.
 *
 *  - convpad: copies C planes of H x W into zero-padded planes of Hp rows x Wp floats (Wp >= pl + roundUp(W, 4));
 *    for horizontal stride 2 each padded row is stored de-interleaved, its even columns then its odd ones (Wp / 2
 *    each), so that every tap of 8 consecutive outputs is 8 consecutive floats.
 *  - conv: output rows [oy0, oy1) of nblk blocks of CONV_MR output channels. Register block: CONV_MR channels x 8
 *    columns of one output row (2·CONV_MR f32x4 accumulators, seeded with the bias). One loop trip per tap: its
 *    byte offset from the table, two vector loads of input, CONV_MR consecutive weight splats. (Unrolling taps
 *    lets TurboFan hoist all their loads ahead of the arithmetic and spill the accumulators.) Row tails (Wo not a
 *    multiple of 8) store lane by lane, so nothing outside the output is written: threads may own neighbouring
 *    rows.
 */
import { F32, Fn, I32, V128 } from './wasm-asm.js';
import { forLoop, paddedRow } from './wasm-emit.js';

/** Output channels per register block (the weights are packed in panels of this many). */
export const CONV_MR = 4;

export function convPadFn(): Fn {
  // (C, H, W, Hp, Wp, pt, pl, src, sps, dst, dps, split, tmp): sps, dps plane strides in bytes; src needs 3
  // readable floats after its last plane (4-wide row copies); split: de-interleave each row (Wp a multiple of 8),
  // building it in tmp (Wp floats) first
  const f = new Fn('convpad', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [C, H, W, Hp, Wp, pt, pl, src, sps, dst, dps, split, tmp] = Array.from({ length: 13 }, (_, n) => n) as number[];
  const c = f.local(I32), yy = f.local(I32), d = f.local(I32), s = f.local(I32), iy = f.local(I32), t = f.local(I32);
  const ra = f.local(I32), wB = f.local(I32), wpb = f.local(I32), sp = f.local(I32), dp = f.local(I32), row = f.local(I32);
  const half = f.local(I32), u0 = f.local(V128), u1 = f.local(V128);
  f.get(W!).i32(2).shl().set(wB).get(Wp!).i32(2).shl().set(wpb).get(Wp!).i32(1).shl().set(half);
  f.get(src!).set(sp).get(dst!).set(dp);
  forLoop(f, c, () => f.i32(0), () => f.get(C!), 1, () => {
    f.get(dp).set(d);
    forLoop(f, yy, () => f.i32(0), () => f.get(Hp!), 1, () => {
      f.get(split!).if_().get(tmp!).set(row).else_().get(d).set(row).end();
      paddedRow(f, yy, { row, plane: sp, t, iy, ra, src: s, wB, wpb }, { H: H!, W: W!, Wp: Wp!, pt: pt!, pl: pl! });
      f.get(split!).if_();
      // 8 floats of the row -> 4 even at d + t/2, 4 odd at d + Wp/2 + t/2
      forLoop(f, t, () => f.i32(0), () => f.get(wpb), 32, () => {
        f.get(row).get(t).add().v128Load(0).set(u0).get(row).get(t).add().v128Load(16).set(u1);
        f.get(d).get(t).i32(1).op(0x76 /* i32.shr_u */).add().tee(ra).get(u0).get(u1).shuffle32([0, 2, 4, 6]).v128Store();
        f.get(ra).get(half).add().get(u0).get(u1).shuffle32([1, 3, 5, 7]).v128Store();
      });
      f.end();
      f.incr(d, wpb, true);
    });
    f.incr(sp, sps!, true).incr(dp, dps!, true);
  });
  return f;
}

export function igemmConvFn(mr: number, fused: boolean): Fn {
  // (nblk, K, oy0, oy1, Wo, px, tab, rstep, pw, pbias, py, yps, lo, hi): px the padded planes, output row oy's taps
  // at px + oy·rstep + tab[k] (K byte offsets), pw the packed weights [nblk][K][mr], pbias mr floats per block, py the
  // output planes (yps bytes apart, rows Wo floats)
  const f = new Fn('conv', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32]);
  const [nblk, K, oy0, oy1, Wo, px, tab, rstep, pw, pbias, py, yps, lo, hi] = Array.from({ length: 14 }, (_, n) => n) as number[];
  const oy = f.local(I32), blk = f.local(I32), ox = f.local(I32), rowb = f.local(I32), cp = f.local(I32);
  const xp = f.local(I32), wp = f.local(I32), tp = f.local(I32), tend = f.local(I32), yp = f.local(I32);
  const bp = f.local(I32), rem = f.local(I32), st = f.local(I32), wblk = f.local(I32), yrow = f.local(I32);
  const acc = Array.from({ length: 2 * mr }, () => f.local(V128));
  const x0 = f.local(V128), x1 = f.local(V128), sp = f.local(V128), tv = f.local(V128);
  f.get(tab!).get(K!).i32(2).shl().add().set(tend);
  forLoop(f, oy, () => f.get(oy0!), () => f.get(oy1!), 1, () => {
    f.get(px!).get(oy).get(rstep!).mul().add().set(rowb);
    f.get(py!).get(oy).get(Wo!).mul().i32(2).shl().add().set(yrow);
    f.get(pw!).set(wblk).get(pbias!).set(bp);
    forLoop(f, blk, () => f.i32(0), () => f.get(nblk!), 1, () => {
      forLoop(f, ox, () => f.i32(0), () => f.get(Wo!), 8, () => {
        for (let r = 0; r < mr; r++) {
          f.get(bp).loadSplat(4 * r).set(acc[2 * r]!);
          f.get(acc[2 * r]!).set(acc[2 * r + 1]!);
        }
        f.get(rowb).get(ox).i32(2).shl().add().set(cp);
        f.get(wblk).set(wp).get(tab!).set(tp);
        f.loop();
        f.get(cp).get(tp).i32Load().add().tee(xp).v128Load(0).set(x0).get(xp).v128Load(16).set(x1);
        for (let r = 0; r < mr; r++) {
          f.get(wp).loadSplat(4 * r).set(sp);
          for (let q = 0; q < 2; q++)
            f.fMadd(fused, () => f.get(q ? x1 : x0), () => f.get(sp), () => f.get(acc[2 * r + q]!)).set(acc[2 * r + q]!);
        }
        f.incr(wp, 4 * mr);
        f.get(tp).i32(4).add().tee(tp).get(tend).ltS().brIf(0);
        f.end();
        // store: clamp (lo, hi splatted here: locals live across the tap loop would take registers from the
        // accumulators), then whole vectors or, in a row tail, lane by lane
        f.get(Wo!).get(ox).sub().set(rem);
        for (let r = 0; r < mr; r++) {
          for (const a of [acc[2 * r]!, acc[2 * r + 1]!]) f.get(a).get(lo!).fSplat().fMax().get(hi!).fSplat().fMin().set(a);
          f.get(yrow).get(blk).i32(mr).mul().i32(r).add().get(yps!).mul().add().get(ox).i32(2).shl().add().set(yp);
          f.get(rem).i32(8).geS().if_();
          f.get(yp).get(acc[2 * r]!).v128Store(0).get(yp).get(acc[2 * r + 1]!).v128Store(16);
          f.else_();
          f.get(acc[2 * r]!).set(tv).get(rem).set(st);
          f.get(st).i32(4).geS().if_();
          f.get(yp).get(tv).v128Store(0).get(acc[2 * r + 1]!).set(tv).incr(yp, 16).incr(st, -4);
          f.end();
          f.get(st).i32(2).and().if_();
          f.get(yp).get(tv).v128Store64Lane(0).get(tv).get(tv).shuffle32([2, 3, 2, 3]).set(tv).incr(yp, 8);
          f.end();
          f.get(st).i32(1).and().if_();
          f.get(yp).get(tv).v128Store32Lane(0);
          f.end();
          f.end();
        }
      });
      f.get(wblk).get(K!).i32(4 * mr).mul().add().set(wblk);
      f.incr(bp, 4 * mr);
    });
  });
  return f;
}
