// The CPU worker's message handler (worker-serve.ts) with each engine a worker bundles, fed what the page posts:
// the resolved, CPU-optimized graph through toWire and a structured clone. Every PyTorch fixture answers bitwise as
// the engine on this thread does (wasm: worker.ts; JavaScript kernels: worker-js.ts, the no-SIMD worker).
import { describe, expect, it } from 'vitest';
import { reviveError } from '../src/cpu/error-codec.js';
import { UnsupportedOpError } from '../src/errors.js';
import { jsRunner, openRunner, wasmRunner } from '../src/cpu/runner.js';
import { serve, type OpenRunner } from '../src/cpu/worker-serve.js';
import { toWire, type FromWorker } from '../src/cpu/worker-protocol.js';
import { optimize } from '../src/graph/optimize.js';
import { resolve, type ResolvedGraph } from '../src/graph/resolve.js';
import type { Tensor } from '../src/tensor.js';
import { listFixtures, loadFixture } from './support/fixtures.js';

/** serve() behind a structured clone each way, as postMessage does. */
async function inWorker(rg: ResolvedGraph, open: OpenRunner, input: Record<string, Tensor>) {
  const got: FromWorker[] = [];
  let wake = () => {};
  const handle = serve((m) => (got.push(structuredClone(m)), wake()), open);
  const next = () => new Promise<FromWorker>((r) => (got.length ? r(got.shift()!) : (wake = () => r(got.shift()!))));
  handle(structuredClone({ type: 'load', graph: toWire(rg), threads: 1 }));
  const loaded = await next();
  handle({ type: 'run', id: 1, inputs: structuredClone(input), profile: false });
  return { loaded, result: await next() };
}

const bits = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64');

describe('CPU worker: serve() on the wire graph', () => {
  const fixtures = listFixtures().map((f) => f.name);

  it(`every fixture (${fixtures.length}) answers bitwise as this thread's engine, wasm and JavaScript workers`, async () => {
    expect(fixtures.length).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const name of fixtures) {
      const fx = loadFixture(name);
      const rg = optimize(resolve(fx.graph, { [fx.inputName]: fx.input.shape }), { cpu: true }).graph;
      const input = { [fx.inputName]: fx.input };
      for (const [engine, open] of [['wasm', wasmRunner], ['js', jsRunner]] as const) {
        const want = (await (engine === 'wasm' ? openRunner(rg) : jsRunner(rg))).run(input);
        const { loaded, result } = await inWorker(rg, open, input);
        if (loaded.type !== 'loaded' || loaded.wasm !== (engine === 'wasm')) failures.push(`${name} ${engine}: ${JSON.stringify(loaded).slice(0, 200)}`);
        else if (result.type !== 'result') failures.push(`${name} ${engine}: ${JSON.stringify(result).slice(0, 200)}`);
        else
          for (const [k, t] of result.outputs)
            if (bits(t) !== bits(want.get(k)!)) failures.push(`${name} ${engine}: output ${k} differs from this thread's`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('the JavaScript worker computes on one thread and says why', async () => {
    const fx = loadFixture(listFixtures()[0]!.name);
    const rg = resolve(fx.graph, { [fx.inputName]: fx.input.shape });
    const got: FromWorker[] = [];
    const handle = serve((m) => got.push(m), jsRunner, async () => ({ why: 'unreachable' }));
    const port = new MessageChannel();
    handle({ type: 'load', graph: toWire(rg), threads: 2, helpers: [port.port1] });
    await new Promise((r) => setTimeout(r, 50));
    port.port1.close();
    expect(got[0]).toEqual({ type: 'loaded', wasm: false, threads: 1, why: 'no WebAssembly SIMD' });
  });

  it('a node whose op the worker does not know fails the load, naming node and op', async () => {
    const fx = loadFixture(listFixtures()[0]!.name);
    const wire = toWire(resolve(fx.graph, { [fx.inputName]: fx.input.shape }));
    const got: FromWorker[] = [];
    const handle = serve((m) => got.push(m), wasmRunner);
    handle({ type: 'load', graph: { ...wire, nodes: wire.nodes.map((n) => ({ ...n, op: 'NoSuchOp' })) }, threads: 1 });
    await new Promise((r) => setTimeout(r, 50));
    const failed = got[0] as Extract<FromWorker, { type: 'load-failed' }>;
    expect(failed.type).toBe('load-failed');
    const e = reviveError(failed.error);
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect((e as UnsupportedOpError).unsupported[0]).toEqual({ op: 'NoSuchOp', node: wire.nodes[0]!.node.name, reason: 'not in the CPU worker' });
  });
});
