/**
 * The CPU engine's kernel module (src/cpu/arena/c/*.c, built by scripts/build-wasm.mjs) made ready for this engine:
 * the `madd` import rewritten into instructions (patchKernels), the memory shared only where a team will use it.
 */
import { relaxedSimdValidates } from '../simd-probe.js';
import { KERNELS_WASM_GZIP_BASE64 } from './kernels-wasm.js';

const PAGE = 65536;
/** The module's declared maximum (scripts/build-wasm.mjs --max-memory). */
export const MAX_PAGES = 32768;

function uleb(b: Uint8Array, at: number): [value: number, next: number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const x = b[at++]!;
    v += (x & 0x7f) * 2 ** shift;
    if (!(x & 0x80)) return [v, at];
    shift += 7;
  }
}

function name(b: Uint8Array, at: number): [string, number] {
  const [n, p] = uleb(b, at);
  return [new TextDecoder().decode(b.subarray(p, p + n)), p + n];
}

/** A call instruction whose function index is written in 5 bytes (as wasm-ld leaves relocated calls). */
function paddedCall(index: number): number[] {
  return [0x10, (index & 0x7f) | 0x80, ((index >> 7) & 0x7f) | 0x80, ((index >> 14) & 0x7f) | 0x80, ((index >> 21) & 0x7f) | 0x80, index >>> 28];
}

function lebBytes(v: number): number[] {
  const out: number[] = [];
  do {
    let x = v & 0x7f;
    v >>>= 7;
    if (v) x |= 0x80;
    out.push(x);
  } while (v);
  return out;
}

/** What the loader needs from the module's sections. */
interface ModuleMap {
  /** Each function's parameter kinds (true: f32), imports first. */
  funcParams: boolean[][];
  importFuncs: number;
  exports: Map<string, number>;
  /** Index of the `madd` import (-1: none), and where the memory import's limits flags byte is. */
  maddImport: number;
  memoryFlags: number;
  code?: { at: number; body: number; end: number };
}

function readModule(b: Uint8Array): ModuleMap {
  const types: boolean[][] = [];
  const m: ModuleMap = { funcParams: [], importFuncs: 0, exports: new Map(), maddImport: -1, memoryFlags: -1 };
  for (let at = 8; at < b.length; ) {
    const id = b[at]!;
    const [size, body] = uleb(b, at + 1);
    const end = body + size;
    let [n, p] = id === 1 || id === 2 || id === 3 || id === 7 ? uleb(b, body) : [0, body];
    if (id === 1)
      while (n-- > 0) {
        let k: number;
        [k, p] = uleb(b, p + 1);
        types.push(Array.from(b.subarray(p, p + k), (t) => t === 0x7d));
        [k, p] = uleb(b, p + k);
        p += k;
      }
    else if (id === 2)
      while (n-- > 0) {
        let field: string;
        [, p] = name(b, p);
        [field, p] = name(b, p);
        const kind = b[p++]!;
        if (kind === 0) {
          let t: number;
          [t, p] = uleb(b, p);
          if (field === 'madd') m.maddImport = m.funcParams.length;
          m.funcParams.push(types[t]!);
          m.importFuncs++;
        } else if (kind === 2) {
          m.memoryFlags = p;
          const flags = b[p++]!;
          [, p] = uleb(b, p);
          if (flags & 1) [, p] = uleb(b, p);
        } else throw new Error(`kernel module: unexpected import kind ${kind}`);
      }
    else if (id === 3)
      while (n-- > 0) {
        let t: number;
        [t, p] = uleb(b, p);
        m.funcParams.push(types[t]!);
      }
    else if (id === 7)
      while (n-- > 0) {
        let field: string;
        [field, p] = name(b, p);
        const kind = b[p++]!;
        let index: number;
        [index, p] = uleb(b, p);
        if (kind === 0) m.exports.set(field, index);
      }
    else if (id === 10) m.code = { at, body, end };
    at = end;
  }
  return m;
}

/** Exported functions' parameter kinds (true: f32): a thread team passes arguments as raw 32-bit words. */
export function exportParams(b: Uint8Array): Map<string, boolean[]> {
  const m = readModule(b);
  return new Map([...m.exports].map(([k, i]) => [k, m.funcParams[i]!]));
}

const RELAXED_MADD = [0xfd, 0x85, 0x02];
const F32X4_MUL = [0xfd, 0xe6, 0x01];
const F32X4_ADD = [0xfd, 0xe4, 0x01];

/**
 * The module's bytes patched for this engine: each 6-byte call of the `madd` import becomes f32x4.relaxed_madd
 * (padded with nops) where relaxed SIMD validates; elsewhere each function calling it gets one more v128 local t,
 * and each call becomes `local.set t; f32x4.mul; local.get t; f32x4.add` (a·b + c, no call). The memory import
 * loses its shared flag unless a thread team will share it.
 */
export function patchKernels(src: Uint8Array, o: { relaxed: boolean; shared: boolean }): Uint8Array {
  const b = src.slice();
  const m = readModule(b);
  if (!o.shared && m.memoryFlags >= 0) b[m.memoryFlags] = b[m.memoryFlags]! & ~0x02;
  if (m.maddImport < 0 || !m.code) return b;
  const find = paddedCall(m.maddImport);
  const hits = (from: number, to: number) => {
    const at: number[] = [];
    for (let i = from; i + 6 <= to; i++) {
      let k = 0;
      while (k < 6 && b[i + k] === find[k]) k++;
      if (k === 6) (at.push(i), (i += 5));
    }
    return at;
  };
  if (o.relaxed) {
    for (const i of hits(m.code.body, m.code.end)) b.set([...RELAXED_MADD, 0x01, 0x01, 0x01], i);
    return b;
  }
  let [count, p] = uleb(b, m.code.body);
  const bodies: number[] = [...lebBytes(count)];
  for (let f = m.importFuncs; count-- > 0; f++) {
    let size: number;
    [size, p] = uleb(b, p);
    const end = p + size;
    const calls = hits(p, end);
    if (!calls.length) {
      bodies.push(...lebBytes(size), ...b.subarray(p, end));
      p = end;
      continue;
    }
    let [decls, q] = uleb(b, p);
    let locals = m.funcParams[f]!.length;
    for (let d = 0; d < decls; d++) {
      let k: number;
      [k, q] = uleb(b, q);
      locals += k;
      q++;
    }
    const t = lebBytes(locals);
    const body: number[] = [...lebBytes(decls + 1), ...b.subarray(uleb(b, p)[1], q), 1, 0x7b];
    let from = q;
    for (const c of calls) {
      body.push(...b.subarray(from, c), 0x21, ...t, ...F32X4_MUL, 0x20, ...t, ...F32X4_ADD);
      from = c + 6;
    }
    body.push(...b.subarray(from, end));
    bodies.push(...lebBytes(body.length), ...body);
    p = end;
  }
  const head = b.subarray(0, m.code.at);
  const tail = b.subarray(m.code.end);
  const sec = [10, ...lebBytes(bodies.length)];
  const out = new Uint8Array(head.length + sec.length + bodies.length + tail.length);
  out.set(head, 0);
  out.set(sec, head.length);
  out.set(bodies, head.length + sec.length);
  out.set(tail, head.length + sec.length + bodies.length);
  return out;
}

function base64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let decoded: Uint8Array | undefined;
let inflating: Promise<Uint8Array> | undefined;

/** The module's bytes, inflated in the background (DecompressionStream: every engine with wasm SIMD has it). */
function kernelBytesAsync(): Promise<Uint8Array> {
  if (decoded) return Promise.resolve(decoded);
  inflating ??= new Response(new Blob([base64(KERNELS_WASM_GZIP_BASE64)]).stream().pipeThrough(new DecompressionStream('gzip')))
    .arrayBuffer()
    .then((b) => (decoded = new Uint8Array(b)));
  return inflating;
}

/** The module's bytes now: inflated already, or by Node's zlib (tests, Node's caller thread). */
function kernelBytes(): Uint8Array {
  if (decoded) return decoded;
  const zlib = (globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } }).process?.getBuiltinModule?.('node:zlib') as
    | { gunzipSync(b: Uint8Array): Uint8Array }
    | undefined;
  if (!zlib) throw new Error('the CPU kernels are not inflated yet: open the engine with ArenaProgram.create');
  decoded = new Uint8Array(zlib.gunzipSync(base64(KERNELS_WASM_GZIP_BASE64)));
  return decoded;
}

export interface KernelModule {
  module: WebAssembly.Module;
  relaxed: boolean;
  shared: boolean;
  /** Each export's parameters, true where f32 (a thread team passes arguments as raw 32-bit words). */
  params: Map<string, boolean[]>;
  /** Where the module's own data and stack end (16-aligned): a program's arena starts here. */
  heapBase: number;
}

function made(module: WebAssembly.Module, bytes: Uint8Array, relaxed: boolean, shared: boolean): KernelModule {
  // __heap_base is fixed by the link: read once from a throwaway instance on a minimal memory
  const probe = new WebAssembly.Instance(module, stubbedImports(kernelMemory(1 << 20, shared))).exports as unknown as KernelExports;
  const heapBase = ((probe.__heap_base.value as number) + 15) & ~15;
  return { module, relaxed, shared, params: exportParams(bytes), heapBase };
}

const compiled = new Map<boolean, KernelModule>();
const compiling = new Map<boolean, Promise<KernelModule>>();

/** The compiled kernel module for this engine (cached); synchronous compilation (workers, Node, tests). */
export function kernelModule(shared: boolean): KernelModule {
  let m = compiled.get(shared);
  if (!m) {
    const relaxed = relaxedSimdValidates();
    const bytes = kernelBytes();
    m = made(new WebAssembly.Module(patchKernels(bytes, { relaxed, shared }) as BufferSource), bytes, relaxed, shared);
    compiled.set(shared, m);
  }
  return m;
}

/** kernelModule compiled in the background (a page's main thread may not compile large modules synchronously). */
export function kernelModuleAsync(shared: boolean): Promise<KernelModule> {
  const done = compiled.get(shared);
  if (done) return Promise.resolve(done);
  let p = compiling.get(shared);
  if (!p) {
    const relaxed = relaxedSimdValidates();
    p = kernelBytesAsync().then(async (bytes) => {
      const m = made(await WebAssembly.compile(patchKernels(bytes, { relaxed, shared }) as BufferSource), bytes, relaxed, shared);
      compiled.set(shared, m);
      return m;
    });
    p.catch(() => compiling.delete(shared));
    compiling.set(shared, p);
  }
  return p;
}

export type KernelExports = Record<string, (...args: number[]) => void> & {
  __heap_base: WebAssembly.Global;
  __stack_pointer: WebAssembly.Global;
};

/** A memory of at least `bytes` for the module: shared when asked (threads). */
export function kernelMemory(bytes: number, shared: boolean): WebAssembly.Memory {
  const pages = Math.max(2, Math.ceil(bytes / PAGE));
  if (pages > MAX_PAGES) throw new RangeError(`the CPU engine needs ${bytes} bytes of wasm memory, more than its ${MAX_PAGES * PAGE} maximum`);
  return new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared } as WebAssembly.MemoryDescriptor);
}

/** Imports the loader rewrote every call of: still declared, so linking needs a function (never called). */
export const STUB_IMPORTS = ['madd'];

function stubbedImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  const env: Record<string, unknown> = { memory };
  for (const n of STUB_IMPORTS) env[n] = () => { throw new Error(`kernel module: an unpatched ${n} call`); };
  return { env } as WebAssembly.Imports;
}

export function instantiateKernels(k: KernelModule, memory: WebAssembly.Memory): KernelExports {
  return new WebAssembly.Instance(k.module, stubbedImports(memory)).exports as unknown as KernelExports;
}
