/**
 * Direct (implicit-GEMM) convolution kernels for wasm-kernels.ts: a k x kw convolution of zero-padded input
 * planes with weights packed in MR-channel panels (conv-direct.ts lays both out), no im2col matrix.
 *
 *  - convpad: copies C planes of H x W into zero-padded planes of Hp x Wp (Wp >= pl + roundUp(W, 4)).
 *  - conv{kw}s{s}: output rows [oy0, oy1) of nblk blocks of MR output channels. Register block: MR channels x 8
 *    columns of one output row (2·MR f32x4 accumulators, seeded with the bias); per tap, the 8 inputs are two
 *    vector loads from the padded row (stride 2: four loads de-interleaved by shuffles, shared by taps 2m and
 *    2m+1) and the MR weights MR consecutive splats. Row tails (Wo not a multiple of 8) store lane by lane, so
 *    nothing outside the output is written: threads may own neighbouring rows.
 */
import { F32, Fn, I32, V128 } from './wasm-asm.js';

/** Widest kernel row with a direct kernel; strides with one. */
export const CONV_MAX_KW = 7;
/** Output channels per register block (the weights are packed in panels of this many). */
export const CONV_MR = 4;
export const CONV_STRIDES: readonly number[] = [1, 2];

/** for (i = init; i < limit; i += step) body (test at the top: zero trips are fine). */
function forLoop(f: Fn, i: number, init: () => void, limit: () => void, step: number, body: () => void): void {
  init();
  f.set(i).block().loop();
  f.get(i);
  limit();
  f.geS().brIf(1);
  body();
  f.incr(i, step).br(0).end().end();
}

export function convPadFn(): Fn {
  // (C, H, W, Hp, Wp, pt, pl, src, sps, dst, dps): sps, dps plane strides in bytes; src needs 3 readable floats
  // after its last plane (4-wide row copies)
  const f = new Fn('convpad', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [C, H, W, Hp, Wp, pt, pl, src, sps, dst, dps] = Array.from({ length: 11 }, (_, n) => n) as number[];
  const c = f.local(I32), yy = f.local(I32), d = f.local(I32), s = f.local(I32), iy = f.local(I32), t = f.local(I32);
  const ra = f.local(I32), wB = f.local(I32), wpb = f.local(I32), sp = f.local(I32), dp = f.local(I32);
  f.get(W!).i32(2).shl().set(wB).get(Wp!).i32(2).shl().set(wpb);
  f.get(src!).set(sp).get(dst!).set(dp);
  forLoop(f, c, () => f.i32(0), () => f.get(C!), 1, () => {
    f.get(dp).set(d);
    forLoop(f, yy, () => f.i32(0), () => f.get(Hp!), 1, () => {
      f.get(yy).get(pt!).sub().tee(iy).get(H!).op(0x49 /* i32.lt_u: 0 <= iy < H */).if_();
      forLoop(f, t, () => f.i32(0), () => f.get(pl!), 1, () => f.get(d).get(t).i32(2).shl().add().f32(0).f32Store());
      f.get(sp).get(iy).get(wB).mul().add().set(s);
      f.get(d).get(pl!).i32(2).shl().add().set(ra);
      forLoop(f, t, () => f.i32(0), () => f.get(wB), 16, () => f.get(ra).get(t).add().get(s).get(t).add().v128Load().v128Store());
      forLoop(f, t, () => f.get(pl!).get(W!).add(), () => f.get(Wp!), 1, () => f.get(d).get(t).i32(2).shl().add().f32(0).f32Store());
      f.else_();
      forLoop(f, t, () => f.i32(0), () => f.get(wpb), 16, () => f.get(d).get(t).add().v128Zero().v128Store());
      f.end();
      f.incr(d, wpb, true);
    });
    f.incr(sp, sps!, true).incr(dp, dps!, true);
  });
  return f;
}

export function directConvFn(mr: number, kw: number, s: number, fused: boolean): Fn {
  // (nblk, cin, kh, oy0, oy1, Wo, px, pps, wpb, rstep, pw, pbias, py, yps, lo, hi): px the padded planes (pps bytes
  // apart, rows wpb bytes apart, rstep = stride_h·wpb), pw the packed weights [nblk][cin][kh][kw][mr], pbias mr
  // floats per block, py the output planes (yps bytes apart, rows Wo floats)
  const f = new Fn(`conv${kw}s${s}`, [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32]);
  const [nblk, cin, kh, oy0, oy1, Wo, px, pps, wpb, rstep, pw, pbias, py, yps, lo, hi] =
    Array.from({ length: 16 }, (_, n) => n) as number[];
  const oy = f.local(I32), blk = f.local(I32), ox = f.local(I32), rowb = f.local(I32), cp = f.local(I32);
  const xp = f.local(I32), wp = f.local(I32), ci = f.local(I32), ky = f.local(I32), yp = f.local(I32);
  const bp = f.local(I32), rem = f.local(I32), st = f.local(I32), wbs = f.local(I32), yrow = f.local(I32);
  const acc = Array.from({ length: 2 * mr }, () => f.local(V128));
  const x0 = f.local(V128), x1 = f.local(V128), y0 = f.local(V128), y1 = f.local(V128), sp = f.local(V128);
  const u = Array.from({ length: 4 }, () => f.local(V128));
  const tv = f.local(V128);
  // weights per block: cin·kh·kw·mr floats
  f.get(cin!).get(kh!).mul().i32(kw * mr * 4).mul().set(wbs);
  const fma = (x: number, w: number, a: number) => f.fMadd(fused, () => f.get(x), () => f.get(w), () => f.get(a)).set(a);
  const splat = (kx: number, r: number) => f.get(wp).loadSplat(4 * (kx * mr + r)).set(sp);
  forLoop(f, oy, () => f.get(oy0!), () => f.get(oy1!), 1, () => {
    f.get(px!).get(oy).get(rstep!).mul().add().set(rowb);
    f.get(py!).get(oy).get(Wo!).mul().i32(2).shl().add().set(yrow);
    f.get(pw!).set(wp).get(pbias!).set(bp);
    forLoop(f, blk, () => f.i32(0), () => f.get(nblk!), 1, () => {
      forLoop(f, ox, () => f.i32(0), () => f.get(Wo!), 8, () => {
        for (let r = 0; r < mr; r++) {
          f.get(bp).loadSplat(4 * r).set(acc[2 * r]!);
          f.get(acc[2 * r]!).set(acc[2 * r + 1]!);
        }
        f.get(rowb).get(ox).i32(2 + (s - 1)).shl().add().set(cp);
        f.get(pw!).get(blk).get(wbs).mul().add().set(wp);
        forLoop(f, ci, () => f.i32(0), () => f.get(cin!), 1, () => {
          f.get(cp).set(xp);
          forLoop(f, ky, () => f.i32(0), () => f.get(kh!), 1, () => {
            if (s === 1)
              for (let kx = 0; kx < kw; kx++) {
                f.get(xp).v128Load(4 * kx).set(x0).get(xp).v128Load(4 * kx + 16).set(x1);
                for (let r = 0; r < mr; r++) {
                  splat(kx, r);
                  fma(x0, sp, acc[2 * r]!);
                  fma(x1, sp, acc[2 * r + 1]!);
                }
              }
            else
              for (let kx = 0; kx < kw; kx += 2) {
                // inputs 2·ox + kx for 8 columns: even lanes of p[kx .. kx+16), odd lanes for kx + 1
                for (let q = 0; q < 4; q++) f.get(xp).v128Load(4 * kx + 16 * q).set(u[q]!);
                f.get(u[0]!).get(u[1]!).shuffle32([0, 2, 4, 6]).set(x0).get(u[2]!).get(u[3]!).shuffle32([0, 2, 4, 6]).set(x1);
                const pair = kx + 1 < kw;
                if (pair) f.get(u[0]!).get(u[1]!).shuffle32([1, 3, 5, 7]).set(y0).get(u[2]!).get(u[3]!).shuffle32([1, 3, 5, 7]).set(y1);
                for (let r = 0; r < mr; r++) {
                  splat(kx, r);
                  fma(x0, sp, acc[2 * r]!);
                  fma(x1, sp, acc[2 * r + 1]!);
                }
                if (pair)
                  for (let r = 0; r < mr; r++) {
                    splat(kx + 1, r);
                    fma(y0, sp, acc[2 * r]!);
                    fma(y1, sp, acc[2 * r + 1]!);
                  }
              }
            f.incr(wp, kw * mr * 4).incr(xp, wpb!, true);
          });
          f.incr(cp, pps!, true);
        });
        // store: clamp, then whole vectors or (row tail) lane by lane
        f.get(Wo!).get(ox).sub().set(rem);
        for (let r = 0; r < mr; r++) {
          // (lo, hi splatted here: locals live across the tap loops would take registers from the accumulators)
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
      f.incr(bp, 4 * mr);
    });
  });
  return f;
}
