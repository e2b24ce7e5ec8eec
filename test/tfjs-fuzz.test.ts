// Seeded TF.js model.json + shards fuzzing: a few hundred cases in the suite; FUZZ_CASES=2000 (npm run fuzz) for
// the full run, which also mutates a few real models. FUZZ_SEED picks another sequence.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTfjsReport, fuzzTfjs, realSeeds, runTfjsCase, syntheticSeeds } from '../scripts/fuzz-tfjs.js';
import { rng } from '../scripts/fuzz-onnx.js';

const CASES = Number(process.env.FUZZ_CASES ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
/** Per-case bound for import + resolve + a budgeted CPU run of any mutant. */
const CASE_MS = 5000;
/** Largest heap + ArrayBuffer growth one case may cause (the real seeds hold ~1 MB of weights). */
const MEM_BYTES = 256 * 2 ** 20;

describe('TF.js model fuzzing', () => {
  it('every unmutated seed runs', () => {
    for (const s of syntheticSeeds()) expect(runTfjsCase({ json: s.json, shards: s.shards, mutators: [] }, rng(1)).outcome, s.name).toBe('ran');
  });

  it(`${CASES} mutated model.json/shard pairs each run or fail with a SepconvError, in bounded time and memory`, () => {
    const seeds = [...syntheticSeeds(), ...(CASES > 1000 ? realSeeds() : [])];
    const rep = fuzzTfjs({ seeds, cases: CASES, seed: SEED });
    const text = formatTfjsReport(rep);
    if (CASES > 1000 || rep.failures.length) {
      const dir = 'test-artifacts';
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'fuzz-tfjs-report.txt'), text + '\n');
      rep.failures.slice(0, 10).forEach((f) => writeFileSync(join(dir, `fuzz-tfjs-failure-${f.k}.json`), f.json));
      console.log(text);
    }
    expect(rep.failures.length, text).toBe(0);
    expect(rep.cases).toBe(CASES);
    expect(rep.outcomes['rejected-load'] ?? 0, text).toBeGreaterThan(CASES / 10);
    expect(rep.outcomes['ran'] ?? 0, text).toBeGreaterThan(CASES / 20);
    expect(rep.maxMs, text).toBeLessThan(CASE_MS);
    expect(rep.maxMemDelta, text).toBeLessThan(MEM_BYTES);
  }, 600_000);
});
