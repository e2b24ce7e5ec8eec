/**
 * WebAssembly SIMD (f32x4) kernels for the CPU path, assembled at start-up by wasm-asm.ts (no toolchain, no
 * file to fetch). Used where the engine supports 128-bit SIMD (every current Chromium, Firefox, Safari >= 16.4,
 * Node >= 16); everything else keeps the plain JavaScript kernels, which remain the fallback and the tests' second
 * path. The wasm code computes in float32 (the JS kernels accumulate in float64), so results differ by rounding.
 *
 * Kernels (all pointers are byte offsets into the module's own memory; the JS wrappers copy operands in and
 * results out, so callers keep passing ordinary Float32Arrays):
 *  - gemm: C[mc x nc8] (+)= A[mc x kc] · B[kc x nc8] (+ bias per row), clamped to [lo, hi], register-blocked
 *    MR x 8 (MR rows of A splatted, two f32x4 of B per k step); A, B and C are row-major with byte strides.
 *  - dw{k}s{s}: depthwise k x k convolution, stride s, of C planes: each plane is copied into a zero-padded
 *    scratch plane, then four output columns at a time accumulate the k·k taps (stride 2 de-interleaves with one
 *    shuffle per tap).
 *  - convpad, conv: implicit-GEMM convolution over zero-padded planes (wasm-conv.ts, driven by conv-igemm.ts).
 */
import { relaxedSimdValidates } from './simd-probe.js';
import type { CallTable, KernelCall, ThreadTeam } from './threads.js';
import { assemble, F32, Fn, I32, V128 } from './wasm-asm.js';
import { paddedRow } from './wasm-emit.js';
import { CONV_MR, convPadFn, igemmConvFn } from './wasm-conv.js';
import type { KernelOptions } from './kernel-options.js';

export const MR = 4;

function gemmFn(mr: number, fused: boolean): Fn {
  // (mc, nb, kc, pa, lda, pb, ldb, pc, ldc, flags, pbias, lo, hi); nb, lda, ldb and ldc in bytes;
  // flags: 1 accumulate into C; pbias: one float per row (+ MR - 1 readable after mc). A is row-major (rows past mc re-read row mc-1; their C rows are scratch).
  const f = new Fn('gemm', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32]);
  const [mc, nb, kc, pa, lda, pb, ldb, pc, ldc, flags, pbias, lo, hi] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const j = f.local(I32), i = f.local(I32), kb = f.local(I32), bp = f.local(I32), kend = f.local(I32);
  const cr = f.local(I32), t = f.local(I32), mlast = f.local(I32);
  const ap = Array.from({ length: mr }, () => f.local(I32));
  const acc = Array.from({ length: 2 * mr }, () => f.local(V128));
  const b0 = f.local(V128), b1 = f.local(V128), av = f.local(V128), vlo = f.local(V128), vhi = f.local(V128);
  f.get(lo).fSplat().set(vlo).get(hi).fSplat().set(vhi);
  f.get(kc).i32(2).shl().set(kend);
  f.get(mc).i32(1).sub().set(mlast);
  f.i32(0).set(j);
  f.loop(); // columns, 8 at a time
  f.i32(0).set(i);
  f.loop(); // row panels
  for (let r = 0; r < mr; r++) {
    // ap[r] = pa + min(i + r, mc - 1) * lda
    f.get(i).i32(r).add().tee(t).get(mlast).get(t).get(mlast).ltS().op(0x1b /* select */);
    f.get(lda).mul().get(pa).add().set(ap[r]!);
  }
  for (const a of acc) f.v128Zero().set(a);
  f.get(pb).get(j).add().set(bp).i32(0).set(kb);
  f.loop(); // k
  f.get(bp).v128Load(0).set(b0).get(bp).v128Load(16).set(b1);
  for (let r = 0; r < mr; r++) {
    f.get(ap[r]!).get(kb).add().loadSplat().set(av);
    for (let q = 0; q < 2; q++) f.fMadd(fused, () => f.get(av), () => f.get(q ? b1 : b0), () => f.get(acc[2 * r + q]!)).set(acc[2 * r + q]!);
  }
  f.incr(bp, ldb, true);
  f.get(kb).i32(4).add().tee(kb).get(kend).ltS().brIf(0);
  f.end();
  f.get(pc).get(i).get(ldc).mul().add().get(j).add().set(cr);
  for (let r = 0; r < mr; r++) {
    for (let q = 0; q < 2; q++) {
      const a = acc[2 * r + q]!;
      f.get(flags).i32(1).and().if_().get(a).get(cr).v128Load(16 * q).fAdd().set(a).end();
      f.get(flags).i32(2).and().if_().get(a).get(pbias).get(i).i32(2).shl().add().loadSplat(4 * r).fAdd().set(a).end();
      f.get(cr).get(a).get(vlo).fMax().get(vhi).fMin().v128Store(16 * q);
    }
    f.incr(cr, ldc, true);
  }
  f.incr(i, mr);
  f.get(i).get(mc).ltS().brIf(0);
  f.end();
  f.incr(j, 32);
  f.get(j).get(nb).ltS().brIf(0);
  f.end();
  return f;
}

function depthwiseFn(ks: number, s: number, fused: boolean): Fn {
  // (C, H, W, Ho, Wo, pt, pl, Hp, Wp, px, xps, pw, pbias, py, yps, pp, lo, hi); xps, yps: input and output plane
  // strides in bytes (yps >= Ho*Wo*4 + 12 keeps the last row's over-write inside the plane: see depthwiseToHeap)
  const f = new Fn(`dw${ks}s${s}`, [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32]);
  const [C, H, W, Ho, Wo, pt, pl, Hp, Wp, px, xps, pw, pbias, py, yps, pp, lo, hi] = Array.from({ length: 18 }, (_, n) => n) as number[];
  const c = f.local(I32), yy = f.local(I32), dst = f.local(I32), src = f.local(I32), iy = f.local(I32);
  const t = f.local(I32), oy = f.local(I32), ox = f.local(I32), oxs = f.local(I32), ra = f.local(I32), out = f.local(I32);
  const wpb = f.local(I32), xplane = f.local(I32), wbase = f.local(I32), yplane = f.local(I32), wB = f.local(I32);
  const rp = Array.from({ length: ks }, () => f.local(I32));
  const acc = f.local(V128), bv = f.local(V128), vlo = f.local(V128), vhi = f.local(V128);
  const u0 = f.local(V128), u1 = f.local(V128), tap = f.local(V128), part = f.local(V128);
  const kk = ks * ks;
  const wl = kk <= 9 ? Array.from({ length: kk }, () => f.local(V128)) : [];
  f.get(lo).fSplat().set(vlo).get(hi).fSplat().set(vhi);
  f.get(Wp!).i32(2).shl().set(wpb).get(W!).i32(2).shl().set(wB);
  f.get(px!).set(xplane).get(pw!).set(wbase).get(py!).set(yplane);
  f.i32(0).set(c);
  f.loop(); // channels
  // 1. zero-padded copy of the plane into pp
  f.get(pp!).set(dst).i32(0).set(yy);
  f.loop();
  paddedRow(f, yy, { row: dst, plane: xplane, t, iy, ra, src, wB, wpb }, { H: H!, W: W!, Wp: Wp!, pt: pt!, pl: pl! });
  f.incr(dst, wpb, true).incr(yy, 1);
  f.get(yy).get(Hp!).ltS().brIf(0);
  f.end();
  // 2. weights and bias
  for (let q = 0; q < wl.length; q++) f.get(wbase).loadSplat(4 * q).set(wl[q]!);
  f.get(pbias!).get(c).i32(2).shl().add().loadSplat().set(bv);
  for (let ky = 0; ky < ks; ky++) f.get(pp!).get(wpb).i32(ky).mul().add().set(rp[ky]!);
  f.get(yplane).set(out);
  // 3. output rows, four columns at a time (the last store may run past the row; the next row overwrites it)
  f.i32(0).set(oy);
  f.loop();
  f.i32(0).set(ox).i32(0).set(oxs);
  f.loop();
  f.get(bv).set(acc);
  for (let ky = 0; ky < ks; ky++) {
    f.get(rp[ky]!).get(oxs).add().set(ra);
    for (let kx = 0; kx < ks; kx++) {
      if (s === 1) f.get(ra).v128Load(4 * kx).set(tap);
      else {
        // taps 2m and 2m+1 de-interleave the same pair of vectors p[2x+2m ..+8)
        if (kx % 2 === 0) f.get(ra).v128Load(8 * (kx >> 1)).set(u0).get(ra).v128Load(8 * (kx >> 1) + 16).set(u1);
        f.get(u0).get(u1).shuffle32(kx % 2 === 0 ? [0, 2, 4, 6] : [1, 3, 5, 7]).set(tap);
      }
      const weight = () => (wl.length ? f.get(wl[ky * ks + kx]!) : f.get(wbase).loadSplat(4 * (ky * ks + kx)));
      if (kx === 0) f.get(tap), weight(), f.fMul().set(part);
      else f.fMadd(fused, () => f.get(tap), weight, () => f.get(part)).set(part);
    }
    // one partial sum per kernel row, so the rows' chains overlap
    f.get(acc).get(part).fAdd().set(acc);
  }
  f.get(out).get(ox).i32(2).shl().add().get(acc).get(vlo).fMax().get(vhi).fMin().v128Store();
  f.incr(ox, 4).incr(oxs, 16 * s);
  f.get(ox).get(Wo!).ltS().brIf(0);
  f.end();
  f.get(out).get(Wo!).i32(2).shl().add().set(out);
  for (let ky = 0; ky < ks; ky++) f.get(rp[ky]!).get(wpb).i32(s).mul().add().set(rp[ky]!);
  f.incr(oy, 1).get(oy).get(Ho!).ltS().brIf(0);
  f.end();
  f.get(xplane).get(xps!).add().set(xplane);
  f.incr(wbase, 4 * kk);
  f.get(yplane).get(yps!).add().set(yplane);
  f.incr(c, 1).get(c).get(C!).ltS().brIf(0);
  f.end();
  return f;
}

/** Depthwise kernel sizes and strides that have a wasm kernel. */
export const DW_SHAPES: readonly (readonly [number, number])[] = [[3, 1], [3, 2], [5, 1], [5, 2]];

type GemmFn = (mc: number, nb: number, kc: number, pa: number, lda: number, pb: number, ldb: number, pc: number, ldc: number,
  flags: number, pbias: number, lo: number, hi: number) => void;
type DwFn = (C: number, H: number, W: number, Ho: number, Wo: number, pt: number, pl: number, Hp: number, Wp: number,
  px: number, xps: number, pw: number, pbias: number, py: number, yps: number, pp: number, lo: number, hi: number) => void;

export interface WasmKernels {
  gemm: GemmFn;
  dw: Map<string, DwFn>;
  /** Float32 view of the whole memory, at least `bytes` long (grows the memory and refreshes the view). */
  heap(bytes: number): Float32Array;
  /** Threads `parallel` spreads work over (1: the calling one only). */
  readonly threads: number;
  /** Runs each list of calls on its own thread (lists[0] on this one), in order within a list; returns when all are done. */
  parallel(lists: KernelCall[][]): void;
}

let kernels: WasmKernels | undefined;
/** Set while `alone` runs: the kernels see one thread, team or not. */
let solo = false;

/** Runs `f` with every kernel on this thread alone (thread-plan.ts: a step too small for a fork-join). */
export function alone<T>(f: () => T): T {
  const was = solo;
  solo = true;
  try {
    return f();
  } finally {
    solo = was;
  }
}
let tried = false;

let relaxedProbe: boolean | undefined;

/** Whether the kernels use relaxed SIMD's f32x4.relaxed_madd: where it validates (Chromium >= 114; not Node 20). */
export function relaxedSimd(): boolean {
  return (relaxedProbe ??= relaxedSimdValidates());
}

function kernelFns(): Fn[] {
  const fused = relaxedSimd();
  return [gemmFn(MR, fused), ...DW_SHAPES.map(([k, s]) => depthwiseFn(k, s, fused)), convPadFn(), igemmConvFn(CONV_MR, fused)];
}

/** Export names and their f32 arguments, for thread-team calls (threads.ts). */
export function callTable(): CallTable {
  const fns = kernelFns();
  return { names: fns.map((f) => f.name), f32: fns.map((f) => f.params.map((t) => t === F32)) };
}

function instantiate(mod: WebAssembly.Module): WasmKernels {
  const ex = new WebAssembly.Instance(mod, {}).exports as Record<string, unknown>;
  return fromExports(ex, ex.mem as WebAssembly.Memory);
}

function fromExports(ex: Record<string, unknown>, mem: WebAssembly.Memory, team?: () => ThreadTeam | undefined): WasmKernels {
  let view = new Float32Array(mem.buffer);
  const dw = new Map<string, DwFn>();
  for (const [k, s] of DW_SHAPES) dw.set(`${k}x${s}`, ex[`dw${k}s${s}`] as DwFn);
  const call = (c: KernelCall) => (ex[c.fn] as (...a: number[]) => void)(...c.args);
  return {
    gemm: ex.gemm as GemmFn,
    dw,
    heap(bytes: number): Float32Array {
      const have = mem.buffer.byteLength;
      if (bytes > have) mem.grow(Math.ceil((bytes - have) / 65536));
      // a shared memory's buffer is a new object on every read: compare sizes
      if (view.byteLength !== mem.buffer.byteLength) view = new Float32Array(mem.buffer);
      return view;
    },
    get threads() {
      return (!solo && team?.()?.threads) || 1;
    },
    parallel(lists: KernelCall[][]): void {
      const t = solo ? undefined : team?.();
      if (t && lists.length > 1) t.run(lists);
      else for (const l of lists) l.forEach(call);
    },
  };
}

/** The module's bytes (exported for tests and for tools that want to precompile it); `sharedMax`: see assemble. */
export function wasmModuleBytes(sharedMax?: number): Uint8Array<ArrayBuffer> {
  return assemble(kernelFns(), 16, sharedMax);
}

/** Pages (64 KiB) a shared memory may grow to: 1 GiB, reserved up front by engines, committed as used. */
const SHARED_MAX_PAGES = 16384;

/**
 * Switches this thread's kernels to a module on a new shared memory, for a thread team; returns what helpers
 * need to instantiate the same (thread-helper.ts), or undefined where shared memory or SIMD is unavailable.
 */
export function shareKernels(team: () => ThreadTeam | undefined): { module: WebAssembly.Module; memory: WebAssembly.Memory; exports: Record<string, (...a: number[]) => void> } | undefined {
  if (typeof SharedArrayBuffer === 'undefined' || !wasm()) return undefined;
  try {
    const module = new WebAssembly.Module(wasmModuleBytes(SHARED_MAX_PAGES));
    const memory = new WebAssembly.Memory({ initial: 16, maximum: SHARED_MAX_PAGES, shared: true });
    const exports = instantiateShared(module, memory);
    kernels = fromExports(exports, memory, team);
    return { module, memory, exports };
  } catch {
    return undefined;
  }
}

/** An instance of the shared module on `memory` (the leader's; helpers make theirs in threads.ts helperMain): its exports by name. */
export function instantiateShared(module: WebAssembly.Module, memory: WebAssembly.Memory): Record<string, (...a: number[]) => void> {
  return new WebAssembly.Instance(module, sharedImports(memory)).exports as Record<string, (...a: number[]) => void>;
}

/** The imports that put the shared module on `memory` (helpers instantiate with them: threads.ts helperMain). */
export function sharedImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return { env: { mem: memory } };
}

function load(): void {
  tried = true;
  if (typeof WebAssembly !== 'object') return;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = wasmModuleBytes();
    if (!WebAssembly.validate(bytes)) return; // no SIMD: JavaScript kernels only
  } catch {
    return;
  }
  try {
    kernels = instantiate(new WebAssembly.Module(bytes));
  } catch {
    // Chromium before 114 refused synchronous compilation of modules over 4 KB on the main thread: compile in
    // the background there, the JavaScript kernels serve until it is ready.
    WebAssembly.compile(bytes).then(
      (m) => (kernels = instantiate(m)),
      () => undefined,
    );
  }
}

/** The SIMD kernels, or undefined where the engine lacks WebAssembly SIMD (or `o.wasm` switches them off). */
export function wasm(o?: KernelOptions): WasmKernels | undefined {
  if (o?.wasm === false) return undefined;
  if (!tried) load();
  return kernels;
}
