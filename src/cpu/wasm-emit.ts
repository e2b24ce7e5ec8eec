// Loop and row emitters shared by the wasm kernels (wasm-kernels.ts, wasm-conv.ts).
import type { Fn } from './wasm-asm.js';

/** for (i = init; i < limit; i += step) body — test at the top, so zero trips are fine. */
export function forLoop(f: Fn, i: number, init: () => void, limit: () => void, step: number, body: () => void): void {
  init();
  f.set(i).block().loop();
  f.get(i);
  limit();
  f.geS().brIf(1);
  body();
  f.incr(i, step).br(0).end().end();
}

/** Locals (i32) of `paddedRow`: the padded row's address, the source plane's, scratch. */
export interface PaddedRowLocals {
  row: number;
  plane: number;
  t: number;
  iy: number;
  ra: number;
  src: number;
  /** W·4 and Wp·4 (bytes of a source row and of a padded row). */
  wB: number;
  wpb: number;
}

/**
 * Padded row yy of a plane at `row`: pl zeros, the source row yy − pt (whole vectors: the plane rows must leave
 * room), zeros up to Wp; a row outside the source is all zeros. `p` holds the parameter indices H, W, Wp, pt, pl.
 */
export function paddedRow(f: Fn, yy: number, l: PaddedRowLocals, p: { H: number; W: number; Wp: number; pt: number; pl: number }): void {
  f.get(yy).get(p.pt).sub().tee(l.iy).get(p.H).op(0x49 /* i32.lt_u: 0 <= iy < H */).if_();
  forLoop(f, l.t, () => f.i32(0), () => f.get(p.pl), 1, () => f.get(l.row).get(l.t).i32(2).shl().add().f32(0).f32Store());
  f.get(l.plane).get(l.iy).get(l.wB).mul().add().set(l.src);
  f.get(l.row).get(p.pl).i32(2).shl().add().set(l.ra);
  forLoop(f, l.t, () => f.i32(0), () => f.get(l.wB), 16, () => f.get(l.ra).get(l.t).add().get(l.src).get(l.t).add().v128Load().v128Store());
  forLoop(f, l.t, () => f.get(p.pl).get(p.W).add(), () => f.get(p.Wp), 1, () => f.get(l.row).get(l.t).i32(2).shl().add().f32(0).f32Store());
  f.else_();
  forLoop(f, l.t, () => f.i32(0), () => f.get(l.wpb), 16, () => f.get(l.row).get(l.t).add().v128Zero().v128Store());
  f.end();
}
