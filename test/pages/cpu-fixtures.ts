// The CPU engine on the page's thread, in this browser (the wasm arena engine, relaxed madd where it validates), on
// PyTorch fixtures fetched from /fixtures/<name>/: outputs go back to test/cpu-fixtures-browser.test.ts, which
// compares them with PyTorch's in Node.
import { kernelModuleAsync } from '../../src/cpu/arena/module.js';
import { openRunner } from '../../src/cpu/runner.js';
import { resolve } from '../../src/graph/resolve.js';
import { readNpy } from '../../src/io/npy.js';
import { loadOnnx } from '../../src/onnx/import.js';

export interface FixtureRun {
  name: string;
  /** The engine that ran it (runner.ts). */
  engine?: 'wasm' | 'js';
  shape?: number[];
  /** The output's float32 bytes, base64. */
  data?: string;
  error?: string;
}

const bytes = async (url: string) => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
};

function base64(a: Float32Array): string {
  const u = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
  return btoa(s);
}

async function runFixture(name: string): Promise<FixtureRun> {
  try {
    const graph = loadOnnx(await bytes(`/fixtures/${name}/model.onnx`));
    const input = readNpy(await bytes(`/fixtures/${name}/input.npy`));
    const rg = resolve(graph, { [graph.inputs[0]!.name]: input.shape });
    const runner = await openRunner(rg);
    const y = runner.run({ [graph.inputs[0]!.name]: input }).get(graph.outputs[0]!)!;
    return { name, engine: runner.engine, shape: [...y.shape], data: base64(y.data as Float32Array) };
  } catch (e) {
    return { name, error: (e as Error).message };
  }
}

const w = window as unknown as { __cpuFixtures: unknown };
w.__cpuFixtures = {
  kernels: () =>
    kernelModuleAsync(false).then(
      (m) => ({ wasm: true, relaxed: m.relaxed }),
      () => ({ wasm: false, relaxed: false }),
    ),
  run: runFixture,
};
