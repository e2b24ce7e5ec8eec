/**
 * The CPU engine's kernel module (src/cpu/arena/c/*.c, built by scripts/build-wasm.mjs) made ready for this engine:
 * each call of the `madd` import becomes f32x4.relaxed_madd where relaxed SIMD validates, else a call of
 * `madd_ref`; the imported memory is shared only where a team of threads will use it.
 */
import { relaxedSimdValidates } from '../simd-probe.js';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

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

let decoded: Uint8Array | undefined;
function kernelBytes(): Uint8Array {
  if (!decoded) {
    const s = atob(KERNELS_WASM_BASE64);
    decoded = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) decoded[i] = s.charCodeAt(i);
  }
  return decoded;
}

/** The module's bytes patched for this engine (see the file comment). */
export function patchKernels(src: Uint8Array, o: { relaxed: boolean; shared: boolean }): Uint8Array {
  const b = src.slice();
  let maddImport = -1;
  let maddRef = -1;
  let code: [number, number] | undefined;
  for (let at = 8; at < b.length; ) {
    const id = b[at]!;
    const [size, body] = uleb(b, at + 1);
    const end = body + size;
    if (id === 2) {
      let [n, p] = uleb(b, body);
      for (let funcs = 0; n-- > 0; ) {
        let field: string;
        [, p] = name(b, p);
        [field, p] = name(b, p);
        const kind = b[p++]!;
        if (kind === 0) {
          if (field === 'madd') maddImport = funcs;
          funcs++;
          [, p] = uleb(b, p);
        } else if (kind === 2) {
          // limits: flags 0x03 = has max + shared
          if (!o.shared) b[p] = b[p]! & ~0x02;
          const flags = b[p++]!;
          [, p] = uleb(b, p);
          if (flags & 1) [, p] = uleb(b, p);
        } else throw new Error(`kernel module: unexpected import kind ${kind}`);
      }
    } else if (id === 7) {
      let [n, p] = uleb(b, body);
      while (n-- > 0) {
        let field: string;
        [field, p] = name(b, p);
        const kind = b[p++]!;
        let index: number;
        [index, p] = uleb(b, p);
        if (kind === 0 && field === 'madd_ref') maddRef = index;
      }
    } else if (id === 10) code = [body, end];
    at = end;
  }
  if (maddImport >= 0 && code) {
    const find = paddedCall(maddImport);
    const put = o.relaxed ? [0xfd, 0x85, 0x02, 0x01, 0x01, 0x01] : paddedCall(maddRef);
    for (let i = code[0]; i + 6 <= code[1]; i++) {
      let k = 0;
      while (k < 6 && b[i + k] === find[k]) k++;
      if (k === 6) b.set(put, i);
    }
  }
  return b;
}

export interface KernelModule {
  module: WebAssembly.Module;
  relaxed: boolean;
  shared: boolean;
}

const compiled = new Map<string, KernelModule>();

/** The compiled kernel module for this engine (cached). */
export function kernelModule(shared: boolean): KernelModule {
  const relaxed = relaxedSimdValidates();
  const key = `${relaxed}${shared}`;
  let m = compiled.get(key);
  if (!m) {
    m = { module: new WebAssembly.Module(patchKernels(kernelBytes(), { relaxed, shared }) as BufferSource), relaxed, shared };
    compiled.set(key, m);
  }
  return m;
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

export function instantiateKernels(k: KernelModule, memory: WebAssembly.Memory): KernelExports {
  // The `madd` import stays declared though patchKernels rewrote every call of it: linking needs a function.
  const madd = () => { throw new Error('kernel module: an unpatched madd call'); };
  return new WebAssembly.Instance(k.module, { env: { memory, madd } }).exports as unknown as KernelExports;
}
