// Seeded .task (zip) fuzzing in the default suite (a few hundred cases); FUZZ_CASES=10000 (npm run fuzz) runs the
// full fuzzer (scripts/fuzz-zip.ts) through the same test. FUZZ_SEED picks another sequence.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatReport, rng } from '../scripts/fuzz-onnx.js';
import { fuzzZip, runZipCase, zipSeeds } from '../scripts/fuzz-zip.js';
import { ROOT } from './support/fixtures.js';

const CASES = Number(process.env.FUZZ_CASES ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20251206);
/** Per-case bounds: opening a mutant bundle and loading the model inside, and one CPU run. */
const LOAD_MS = 2000;
const RUN_MS = 5000;
/** Largest heap + ArrayBuffer growth one case may cause (the seeds are a few kB; declared sizes reach 4 GiB). */
const MEM_BYTES = 64 * 2 ** 20;

describe('.task (zip) fuzzing', () => {
  it('every seed bundle opens and its model runs unmutated', async () => {
    const r = rng(1);
    for (const s of zipSeeds(ROOT)) {
      const res = await runZipCase(s.bytes, () => (s.name === 'two-models' ? 0 : r()));
      expect(res.outcome, s.name).toBe('ran');
    }
  });

  it(
    `${CASES} mutated bundles each open, or fail with a SepconvError, in bounded time and memory`,
    async () => {
      const rep = await fuzzZip({ seeds: zipSeeds(ROOT), cases: CASES, seed: SEED });
      const text = formatReport(rep);
      if (CASES > 1000 || rep.failures.length) {
        const dir = join(ROOT, 'test-artifacts');
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'fuzz-zip-report.txt'), text + '\n');
        for (const f of rep.failures.slice(0, 10)) writeFileSync(join(dir, `fuzz-zip-failure-${f.k}.task`), f.bytes);
        console.log(text);
      }
      expect(rep.failures.length, text).toBe(0);
      expect(rep.cases).toBe(CASES);
      // the mutations reach past the directory into extraction and the model
      expect(rep.outcomes['rejected-load'] ?? 0, text).toBeGreaterThan(CASES / 4);
      expect(rep.outcomes['ran'] ?? 0, text).toBeGreaterThan(CASES / 20);
      expect(rep.maxLoadMs, text).toBeLessThan(LOAD_MS);
      expect(rep.maxRunMs, text).toBeLessThan(RUN_MS);
      expect(rep.maxMemDelta, text).toBeLessThan(MEM_BYTES);
    },
    Math.max(60_000, CASES * 100),
  );
});
