import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { instantiateKernels, kernelMemory, kernelModule } from '../src/cpu/arena/module.js';

describe('CPU engine kernel module', () => {
  it('the committed kernels-wasm.ts is what clang builds from src/cpu/arena/c', () => {
    const out = execFileSync('node', ['scripts/build-wasm.mjs', '--check'], { encoding: 'utf8' });
    expect(out).toMatch(/matches a fresh build/);
  });

  it('instantiates on a plain and on a shared memory; copy and fill work on arena offsets', () => {
    for (const shared of [false, true]) {
      const mem = kernelMemory(1 << 20, shared);
      const ex = instantiateKernels(kernelModule(shared), mem);
      const base = ex.__heap_base.value as number;
      const f = new Float32Array(mem.buffer);
      ex.fill!(base, 3.5, 11);
      ex.copy!(base + 64, base, 11);
      expect(Array.from(f.subarray((base + 64) / 4, (base + 64) / 4 + 12))).toEqual([...new Array(11).fill(3.5), 0]);
    }
  });
});
