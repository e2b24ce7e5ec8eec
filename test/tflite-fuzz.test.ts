// Seeded .tflite fuzzing in the default suite (a few hundred cases); FUZZ_CASES=10000 (npm run fuzz) runs the
// full fuzzer (scripts/fuzz-tflite.ts) through the same test. FUZZ_SEED picks another sequence.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatReport, rng } from '../scripts/fuzz-onnx.js';
import { fuzzTflite, mutateCustomOptions, runTfliteCase, tfliteSeeds } from '../scripts/fuzz-tflite.js';
import { ROOT } from './support/fixtures.js';

const CASES = Number(process.env.FUZZ_CASES ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20251201);
/** Per-case bounds: load + resolve of any mutant (the 229 kB face detector included), and one CPU run. */
const LOAD_MS = 2000;
const RUN_MS = 5000;
/** Largest heap + ArrayBuffer growth one case may cause (the largest seed is 229 kB). */
const MEM_BYTES = 256 * 2 ** 20;

describe('TFLite fuzzing', () => {
  it('every seed model loads and runs unmutated', () => {
    const r = rng(1);
    for (const s of tfliteSeeds(ROOT)) expect(runTfliteCase(s.bytes, r, { maxElements: Infinity, maxMacs: Infinity }).outcome, s.name).toBe('ran');
  });

  it(
    `${CASES} mutated .tflite models each load, or fail with a SepconvError, in bounded time and memory`,
    () => {
      const seeds = tfliteSeeds(ROOT);
      const rep = fuzzTflite({ seeds, cases: CASES, seed: SEED });
      const text = formatReport(rep);
      if (CASES > 1000 || rep.failures.length) {
        const dir = join(ROOT, 'test-artifacts');
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'fuzz-tflite-report.txt'), text + '\n');
        for (const f of rep.failures.slice(0, 10)) writeFileSync(join(dir, `fuzz-tflite-failure-${f.k}.tflite`), f.bytes);
        console.log(text);
      }
      expect(rep.failures.length, text).toBe(0);
      expect(rep.cases).toBe(CASES);
      // The mutations reach past the reader into the lowering, the resolver and the kernels.
      expect(rep.outcomes['rejected-load'] ?? 0, text).toBeGreaterThan(CASES / 10);
      expect(rep.outcomes['ran'] ?? 0, text).toBeGreaterThan(CASES / 20);
      expect(rep.maxLoadMs, text).toBeLessThan(LOAD_MS);
      expect(rep.maxRunMs, text).toBeLessThan(RUN_MS);
      expect(rep.maxMemDelta, text).toBeLessThan(MEM_BYTES);
    },
    Math.max(60_000, CASES * 100),
  );

  it(
    `${CASES} models with MediaPipe custom ops' options mutated each run or fail with a SepconvError, in bounded time and memory`,
    () => {
      const seeds = tfliteSeeds(ROOT, false).filter((s) => s.name === 'mediapipe-net');
      const rep = fuzzTflite({ seeds, cases: CASES, seed: SEED + 1 }, mutateCustomOptions);
      const text = formatReport(rep);
      if (CASES > 1000 || rep.failures.length) console.log(text);
      expect(seeds.length).toBe(1);
      expect(rep.failures.length, text).toBe(0);
      expect(rep.cases).toBe(CASES);
      // options at other byte widths, or edited within range, still run (about 12%); broken ones are refused at load
      expect(rep.outcomes['ran'] ?? 0, text).toBeGreaterThan(CASES / 20);
      expect(rep.outcomes['rejected-load'] ?? 0, text).toBeGreaterThan(CASES / 10);
      expect(rep.maxLoadMs, text).toBeLessThan(LOAD_MS);
      expect(rep.maxRunMs, text).toBeLessThan(RUN_MS);
      expect(rep.maxMemDelta, text).toBeLessThan(MEM_BYTES);
    },
    Math.max(60_000, CASES * 100),
  );
});
