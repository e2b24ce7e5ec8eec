// Every PyTorch fixture (fixtures/index.json, made by scripts/make_fixtures.py) run on the CPU, with the
// reference kernels ({fast: false}) and the fast ones ({fast: true}), compared with PyTorch's own output.
//
// Tolerances come from each fixture (numpy.allclose rule |a − e| <= atol + rtol·|e|): atol = rtol = 1e-4 for
// the unit-scale single-layer fixtures, 1e-3 for the whole MobileNetV2. A failure names the fixture, the max
// abs error and the coordinates of the worst element. The measured max errors are printed after the run and
// written to test-artifacts/fixtures-cpu-errors.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCpu } from '../src/cpu/run.js';
import { resolve } from '../src/graph/resolve.js';
import {
  compareToFixture,
  describeComparison,
  listFixtures,
  loadFixture,
  ROOT,
  type LoadedFixture,
} from './support/fixtures.js';

const cache = new Map<string, LoadedFixture>();
function fixture(name: string): LoadedFixture {
  let fx = cache.get(name);
  if (!fx) {
    fx = loadFixture(name);
    cache.set(name, fx);
  }
  return fx;
}

interface Row {
  fixture: string;
  kernels: 'reference' | 'fast';
  ok: boolean;
  maxAbsErr: number | null;
  worstRatio: number | null;
  worst: number[];
  error?: string;
}
const rows: Row[] = [];

const fixtures = listFixtures();

describe('PyTorch fixtures on the CPU', () => {
  it('fixtures/index.json lists fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(40);
    expect(new Set(fixtures.map((f) => f.name)).size).toBe(fixtures.length);
  });

  for (const info of fixtures) {
    describe(info.name, () => {
      for (const fast of [false, true]) {
        const kernels = fast ? 'fast' : 'reference';
        it(`${kernels} kernels match PyTorch (atol ${info.atol}, rtol ${info.rtol})`, () => {
          let row: Row = { fixture: info.name, kernels, ok: false, maxAbsErr: null, worstRatio: null, worst: [] };
          try {
            const fx = fixture(info.name);
            const rg = resolve(fx.graph, { [fx.inputName]: fx.input.shape });
            const outs = runCpu(rg, { [fx.inputName]: fx.input }, { fast });
            const y = outs.get(fx.graph.outputs[0]!);
            if (!y) throw new Error(`${info.name}: runCpu returned no "${fx.graph.outputs[0]}"`);
            const c = compareToFixture(fx, y);
            row = {
              ...row,
              ok: c.ok,
              maxAbsErr: Number.isFinite(c.maxAbsErr) ? c.maxAbsErr : null,
              worstRatio: Number.isFinite(c.worstRatio) ? c.worstRatio : null,
              worst: c.worstCoords,
            };
            if (!c.ok) throw new Error(`[${kernels}] ${describeComparison(info.name, c, fx.atol, fx.rtol)}`);
          } catch (e) {
            row.error = (e as Error).message;
            if (!(e as Error).message.startsWith(`[${kernels}] ${info.name}`))
              (e as Error).message = `[${kernels}] fixture ${info.name}: ${(e as Error).message}`;
            throw e;
          } finally {
            rows.push(row);
          }
        });
      }
    });
  }
});

afterAll(() => {
  if (!rows.length) return;
  const fmt = (v: number | null) => (v === null ? '     -    ' : v.toExponential(3).padStart(10));
  const lines = rows.map(
    (r) =>
      `${r.ok ? 'ok  ' : 'FAIL'} ${r.kernels.padEnd(9)} ${r.fixture.padEnd(34)} max|err| ${fmt(r.maxAbsErr)}` +
      `  err/tol ${r.worstRatio === null ? '-' : r.worstRatio.toFixed(3)}` +
      (r.ok ? '' : `  ${(r.error ?? '').slice(0, 160)}`),
  );
  console.log(`fixtures on the CPU (max abs error vs PyTorch):\n${lines.join('\n')}`);
  try {
    const dir = join(ROOT, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'fixtures-cpu-errors.json'), JSON.stringify(rows, null, 1));
  } catch {
    // best effort only
  }
});
