// Seeded ONNX fuzzing in the default suite (a few hundred cases); FUZZ_CASES=10000 runs the full fuzzer
// (scripts/fuzz-onnx.ts) through the same test. FUZZ_SEED picks another sequence.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzz, formatReport, loadSeeds } from '../scripts/fuzz-onnx.js';
import { FIXTURES_DIR, ROOT } from './support/fixtures.js';

const CASES = Number(process.env.FUZZ_CASES ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20240601);
/** Generous per-case bounds: load + resolve of any mutant, and the CPU run of one within the fuzzer's budget. */
const LOAD_MS = 2000;
const RUN_MS = 5000;
/** Largest heap + ArrayBuffer growth one case may cause (the largest fixture is 1.6 MB). */
const MEM_BYTES = 256 * 2 ** 20;

describe('ONNX fuzzing', () => {
  it(
    `${CASES} mutated fixture models each load, or fail with a SepconvError, in bounded time and memory`,
    () => {
      // The 1.6 MB MobileNet only joins the long runs: in the default suite it would dominate the time.
      const seeds = loadSeeds(FIXTURES_DIR, CASES > 1000 ? {} : { maxBytes: 64 * 1024 });
      expect(seeds.length).toBeGreaterThan(20);
      const rep = fuzz({ seeds, cases: CASES, seed: SEED });
      const text = formatReport(rep);
      if (CASES > 1000 || rep.failures.length) {
        const dir = join(ROOT, 'test-artifacts');
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'fuzz-onnx-report.txt'), text + '\n');
        for (const f of rep.failures.slice(0, 10)) writeFileSync(join(dir, `fuzz-failure-${f.k}.onnx`), f.bytes);
        console.log(text);
      }
      expect(rep.failures.length, text).toBe(0);
      expect(rep.cases).toBe(CASES);
      // Each kind of outcome shows up, so the mutations reach past the decoder into resolve and the kernels.
      expect(rep.outcomes['rejected-load'] ?? 0, text).toBeGreaterThan(CASES / 10);
      expect(rep.outcomes['ran'] ?? 0, text).toBeGreaterThan(CASES / 20);
      expect(rep.outcomes['rejected-resolve'] ?? 0, text).toBeGreaterThan(0);
      expect(rep.maxLoadMs, text).toBeLessThan(LOAD_MS);
      expect(rep.maxRunMs, text).toBeLessThan(RUN_MS);
      expect(rep.maxMemDelta, text).toBeLessThan(MEM_BYTES);
    },
    Math.max(60_000, CASES * 100),
  );
});
