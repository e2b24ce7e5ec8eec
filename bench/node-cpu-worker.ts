// Node: the CPU backend on the caller's thread vs in a worker_threads worker, on MobileNetV2 (built in code,
// random weights). Per run: median latency, and how long the caller's event loop was blocked (largest lag of a
// 5 ms timer during back-to-back runs). Run through Vite's SSR loader:
//
//   node bench/run-node-cpu-worker.mjs [size=224] [runs=20]
import { nodeSpawner } from '../src/cpu/worker-spawn-node.js';
import { load, type Model } from '../src/model.js';
import { mobilenetV2 } from '../test/support/mobilenet-v2.js';
import { nodeWorkerUrl } from '../test/support/node-worker.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function measure(m: Model, x: Float32Array, runs: number) {
  await m.run({ input: x });
  let last = performance.now();
  let maxLag = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 5);
    last = now;
  }, 5);
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    await m.run({ input: x });
    times.push(performance.now() - t);
    await new Promise((r) => setImmediate(r));
  }
  clearInterval(timer);
  return { medianMs: median(times), minMs: Math.min(...times), maxEventLoopLagMs: maxLag };
}

export async function main(args: string[], root?: string): Promise<void> {
  const size = Number(args[0] ?? 224);
  const runs = Number(args[1] ?? 20);
  const g = mobilenetV2(size);
  const x = Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.01));
  const url = await nodeWorkerUrl(root);
  const rows: Record<string, unknown> = {};
  for (const round of [0, 1])
    for (const [name, worker] of [['caller thread', false], ['worker_threads', nodeSpawner(url)]] as const) {
      const m = await load(g, { backend: 'cpu', worker });
      rows[`${name} (round ${round + 1})`] = await measure(m, x, runs);
      m.dispose();
    }
  console.log(`MobileNetV2 ${size}x${size}, ${runs} runs each, alternating:`);
  console.table(rows);
}
