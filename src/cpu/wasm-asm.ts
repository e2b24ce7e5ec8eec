/**
 * A minimal WebAssembly assembler: just enough of the binary format (types, functions, one memory, exports,
 * code) and of the instruction set (i32 control and arithmetic, f32 scalar, 128-bit SIMD) to emit the CPU
 * kernels in wasm-kernels.ts at start-up, with no toolchain and no .wasm file to ship or fetch.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

function uleb(out: number[], v: number): void {
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

function sleb(out: number[], v: number): void {
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

const f32bytes = new Uint8Array(new Float32Array(1).buffer);

/** One function body under construction; locals are numbered after the parameters, in declaration order. */
export class Fn {
  readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];
  constructor(
    readonly name: string,
    readonly params: ValType[],
    readonly results: ValType[] = [],
  ) {}

  local(t: ValType): number {
    this.localTypes.push(t);
    return this.params.length + this.localTypes.length - 1;
  }

  // --- variables and constants
  get(l: number): this { this.code.push(0x20); uleb(this.code, l); return this; }
  set(l: number): this { this.code.push(0x21); uleb(this.code, l); return this; }
  tee(l: number): this { this.code.push(0x22); uleb(this.code, l); return this; }
  i32(v: number): this { this.code.push(0x41); sleb(this.code, v | 0); return this; }
  f32(v: number): this {
    new Float32Array(f32bytes.buffer)[0] = v;
    this.code.push(0x43, ...f32bytes);
    return this;
  }

  // --- control
  block(): this { this.code.push(0x02, 0x40); return this; }
  loop(): this { this.code.push(0x03, 0x40); return this; }
  if_(): this { this.code.push(0x04, 0x40); return this; }
  else_(): this { this.code.push(0x05); return this; }
  end(): this { this.code.push(0x0b); return this; }
  br(depth: number): this { this.code.push(0x0c); uleb(this.code, depth); return this; }
  brIf(depth: number): this { this.code.push(0x0d); uleb(this.code, depth); return this; }

  // --- i32
  op(...bytes: number[]): this { this.code.push(...bytes); return this; }
  add(): this { return this.op(0x6a); }
  sub(): this { return this.op(0x6b); }
  mul(): this { return this.op(0x6c); }
  and(): this { return this.op(0x71); }
  shl(): this { return this.op(0x74); }
  eqz(): this { return this.op(0x45); }
  ne(): this { return this.op(0x47); }
  ltS(): this { return this.op(0x48); }
  geS(): this { return this.op(0x4e); }

  /** local l += v (an i32 constant or another local when `isLocal`). */
  incr(l: number, v: number, isLocal = false): this {
    this.get(l);
    if (isLocal) this.get(v);
    else this.i32(v);
    return this.add().set(l);
  }

  // --- memory (byte offsets folded into the memarg)
  f32Store(offset = 0): this { this.code.push(0x38, 2); uleb(this.code, offset); return this; }
  i32Load(offset = 0): this { this.code.push(0x28, 2); uleb(this.code, offset); return this; }
  private simd(op: number): this { this.code.push(0xfd); uleb(this.code, op); return this; }
  private memarg(align: number, offset: number): this { uleb(this.code, align); uleb(this.code, offset); return this; }
  v128Load(offset = 0): this { return this.simd(0x00).memarg(0, offset); }
  v128Store(offset = 0): this { return this.simd(0x0b).memarg(0, offset); }
  loadSplat(offset = 0): this { return this.simd(0x09).memarg(2, offset); }
  /** Stores lane `lane` of an f32x4 (v128.store32_lane) / of an i64x2, i.e. two floats (v128.store64_lane). */
  v128Store32Lane(lane: number, offset = 0): this { this.simd(0x5a).memarg(0, offset); this.code.push(lane); return this; }
  v128Store64Lane(lane: number, offset = 0): this { this.simd(0x5b).memarg(0, offset); this.code.push(lane); return this; }
  v128Zero(): this { this.simd(0x0c); this.code.push(...new Array<number>(16).fill(0)); return this; }
  shuffle(lanes: number[]): this { this.simd(0x0d); this.code.push(...lanes); return this; }
  /** Shuffle of two f32x4 by f32 lane (0-3 first operand, 4-7 second). */
  shuffle32(l: [number, number, number, number]): this {
    return this.shuffle(l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]));
  }
  fSplat(): this { return this.simd(0x13); }
  fAdd(): this { return this.simd(0xe4); }
  fMul(): this { return this.simd(0xe6); }
  fMin(): this { return this.simd(0xe8); }
  fMax(): this { return this.simd(0xe9); }
  /** f32x4.relaxed_madd (relaxed SIMD): a·b + c, fused where the CPU has FMA. */
  fRelaxedMadd(): this { return this.simd(0x105); }
  /**
   * Pushes a·b + c (each operand pushed by its callback): relaxed_madd when `fused`, else f32x4.mul then add.
   * The operand order differs between the two, hence the callbacks.
   */
  fMadd(fused: boolean, a: () => void, b: () => void, c: () => void): this {
    if (fused) {
      a(); b(); c();
      return this.fRelaxedMadd();
    }
    c(); a(); b();
    return this.fMul().fAdd();
  }

  encode(): number[] {
    const body: number[] = [];
    // run-length encode the locals
    const groups: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const g = groups[groups.length - 1];
      if (g && g[1] === t) g[0]++;
      else groups.push([1, t]);
    }
    uleb(body, groups.length);
    for (const [n, t] of groups) {
      uleb(body, n);
      body.push(t);
    }
    body.push(...this.code, 0x0b);
    const out: number[] = [];
    uleb(out, body.length);
    return out.concat(body);
  }
}

function section(id: number, payload: number[]): number[] {
  const out = [id];
  uleb(out, payload.length);
  return out.concat(payload);
}

function name(out: number[], s: string): void {
  const b = new TextEncoder().encode(s);
  uleb(out, b.length);
  out.push(...b);
}

/**
 * A module of the given functions (all exported by name) and one exported memory "mem" of `pages` x 64 KiB; with
 * `sharedMax`, the memory is instead imported as env.mem, shared, at most `sharedMax` pages (threads: every
 * worker instantiates the module on the same memory).
 */
export function assemble(fns: Fn[], pages: number, sharedMax?: number): Uint8Array<ArrayBuffer> {
  const types: number[] = [];
  uleb(types, fns.length);
  for (const f of fns) {
    types.push(0x60);
    uleb(types, f.params.length);
    types.push(...f.params);
    uleb(types, f.results.length);
    types.push(...f.results);
  }
  const funcs: number[] = [];
  uleb(funcs, fns.length);
  fns.forEach((_, i) => uleb(funcs, i));
  const mem: number[] = [1, 0];
  uleb(mem, pages);
  const imports: number[] = [1];
  name(imports, 'env');
  name(imports, 'mem');
  imports.push(0x02, 0x03);
  uleb(imports, pages);
  uleb(imports, sharedMax ?? 0);
  const exps: number[] = [];
  uleb(exps, fns.length + 1);
  fns.forEach((f, i) => {
    name(exps, f.name);
    exps.push(0x00);
    uleb(exps, i);
  });
  name(exps, 'mem');
  exps.push(0x02, 0);
  const code: number[] = [];
  uleb(code, fns.length);
  for (const f of fns) code.push(...f.encode());
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...(sharedMax ? section(2, imports) : []),
    ...section(3, funcs),
    ...(sharedMax ? [] : section(5, mem)),
    ...section(7, exps),
    ...section(10, code),
  ]);
}
