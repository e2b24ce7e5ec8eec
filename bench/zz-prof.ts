import { readFileSync } from 'node:fs';
import { load } from '../src/node.js';
import { ArenaProgram } from '../src/cpu/arena/program.js';
export async function main(argv: string[]) {
  const m = await load(new Uint8Array(readFileSync(argv[0]!)), { backend: 'cpu', worker: false, numThreads: 1 });
  const p = new ArenaProgram(m.graph);
  const [[name, shape]] = [...m.graph.inputShapes];
  const x = Float32Array.from({ length: shape!.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
  const e0: number[] = [];
  for (let k = 0; k < 9; k++) { const t0 = performance.now(); p.run({ [name!]: x }); e0.push(performance.now() - t0); }
  console.log('e2e first', e0.sort((a, b) => a - b).map((v) => v.toFixed(1)).join(' '));
  const t = new Map<number, number[]>();
  for (let k = 0; k < 9; k++) p.run({ [name!]: x }, (n, ms) => (t.get(n) ?? t.set(n, []).get(n)!).push(ms));
  const rows = [...t].map(([n, v]) => [n, v.sort((a, b) => a - b)[4]!] as const).sort((a, b) => b[1] - a[1]).slice(0, Number(argv[1] ?? 12));
  for (const [n, ms] of rows) {
    const rn = m.graph.nodes[n]!;
    const a = rn.attrs as any;
    console.log(ms.toFixed(3), rn.node.op, rn.inputShapes.map(String).join(' | '), '->', String(rn.outputShapes[0]), a?.kernel ? `k${a.kernel} s${a.strides} g${a.group} pads${a.pads}` : '', (rn.cost as any)?.macs ? `${((rn.cost as any).macs / 1e6).toFixed(1)}M MAC ${(2 * (rn.cost as any).macs / ms / 1e6).toFixed(1)} GFLOP/s` : '');
  }
  console.log('sum of node medians', [...t.values()].reduce((a, v) => a + v[4]!, 0).toFixed(2), 'nodes', t.size);
  const e: number[] = [];
  for (let k = 0; k < 9; k++) { const t0 = performance.now(); p.run({ [name!]: x }); e.push(performance.now() - t0); }
  console.log('e2e', e.sort((a, b) => a - b).map((v) => v.toFixed(1)).join(' '));
  console.log('fallbacks', JSON.stringify(p.stats.fallbacks));
}
export async function e2e(argv: string[]) {}
