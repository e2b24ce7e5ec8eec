// The fast CPU kernels on the page's thread, in this browser (wasm SIMD, relaxed madd where it validates), on
// PyTorch fixtures fetched from /fixtures/<name>/: outputs go back to test/cpu-fixtures-browser.test.ts, which
// compares them with PyTorch's in Node.
import { runCpu } from '../../src/cpu/run.js';
import { relaxedSimd, wasm } from '../../src/cpu/wasm-kernels.js';
import { resolve } from '../../src/graph/resolve.js';
import { readNpy } from '../../src/io/npy.js';
import { loadOnnx } from '../../src/onnx/import.js';

export interface FixtureRun {
  name: string;
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
    const y = runCpu(rg, { [graph.inputs[0]!.name]: input }, { fast: true }).get(graph.outputs[0]!)!;
    return { name, shape: [...y.shape], data: base64(y.data as Float32Array) };
  } catch (e) {
    return { name, error: (e as Error).message };
  }
}

const w = window as unknown as { __cpuFixtures: unknown };
w.__cpuFixtures = {
  kernels: () => ({ wasm: wasm() !== undefined, relaxed: relaxedSimd() }),
  run: runFixture,
};
