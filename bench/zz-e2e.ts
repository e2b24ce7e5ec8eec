import { readFileSync } from 'node:fs';
import { load } from '../src/node.js';
export async function main(argv: string[]) {
  for (const f of argv) {
    const m = await load(new Uint8Array(readFileSync(f)), { backend: 'cpu', worker: false, numThreads: 1 });
    const [inp] = m.inputs;
    const x = Float32Array.from({ length: (inp!.shape as number[]).reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
    const t: number[] = [];
    for (let k = 0; k < 25; k++) { const t0 = performance.now(); await m.run({ [inp!.name]: x }); t.push(performance.now() - t0); }
    t.sort((a, b) => a - b);
    console.log(f.split('/').pop(), 'median', t[12]!.toFixed(2), 'min', t[0]!.toFixed(2));
    m.dispose();
  }
}
