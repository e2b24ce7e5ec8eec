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

describe('transpose_2d (layout conversions)', () => {
  it.each([[1, 1, 1], [2, 3, 5], [1, 4, 4], [3, 8, 12], [1, 13, 7], [2, 16, 3]])('batch %i, %i×%i', (batch, rows, cols) => {
    const mem = kernelMemory(1 << 20, false);
    const ex = instantiateKernels(kernelModule(false), mem);
    const base = ((ex.__heap_base.value as number) + 15) & ~15;
    const n = batch * rows * cols;
    const f = new Float32Array(mem.buffer);
    for (let i = 0; i < n; i++) f[base / 4 + i] = i + 1;
    const dst = base + n * 4 + 64;
    ex.transpose_2d!(dst, base, batch, rows, cols);
    for (let b = 0; b < batch; b++)
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) expect(f[dst / 4 + b * rows * cols + c * rows + r]).toBe(b * rows * cols + r * cols + c + 1);
  });
});
