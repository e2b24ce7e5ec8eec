// Which engine runs a CPU model: the wasm arena engine, or — where its kernel module cannot compile (an engine
// without WebAssembly SIMD) — the JavaScript kernels, with the same answers.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { runCpu } from '../src/cpu/run.js';
import { openRunner } from '../src/cpu/runner.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve } from '../src/graph/resolve.js';

function block() {
  const b = new GraphBuilder('block', { seed: 4 });
  const x = b.input('x', [1, 8, 11, 9]);
  const d = b.relu6(b.depthwiseConv2d(b.relu6(b.pointwiseConv2d(x, 8, 24)), 24, 3, { padding: 1 }));
  b.output(b.add(b.pointwiseConv2d(d, 24, 8), x), 'y');
  return optimize(resolve(b.build()), { cpu: true }).graph;
}

afterEach(() => vi.restoreAllMocks());

describe('CPU runner choice', () => {
  it('without a compilable kernel module (no SIMD) the JavaScript kernels run, matching the reference', async () => {
    // only the engine's module (it exports tensor_copy) fails; Node's own fetch compiles its llhttp module too
    const compile = WebAssembly.compile.bind(WebAssembly);
    const ours = (b: BufferSource) => Buffer.from(b as Uint8Array).includes('tensor_copy');
    vi.spyOn(WebAssembly, 'compile').mockImplementation(async (b) => {
      if (ours(b)) throw new WebAssembly.CompileError('v128 is not supported');
      return compile(b);
    });
    const rg = block();
    const r = await openRunner(rg);
    expect(r.engine).toBe('js');
    const x = Float32Array.from({ length: 8 * 11 * 9 }, (_, i) => Math.sin(i * 0.3));
    const got = r.run({ x }).get('y')!.data;
    const want = runCpu(rg, { x }, { fast: false }).get('y')!.data;
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThan(1e-5);
  });

  it('with it, the wasm engine runs, within 1e-5 of the reference', async () => {
    const rg = block();
    const r = await openRunner(rg);
    expect(r.engine).toBe('wasm');
    expect(r.program!.stats.fallbacks).toEqual({});
    const x = Float32Array.from({ length: 8 * 11 * 9 }, (_, i) => Math.cos(i * 0.3));
    const got = r.run({ x }).get('y')!.data;
    const want = runCpu(rg, { x }, { fast: false }).get('y')!.data;
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i]!)));
  });
});
