import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from './support/imports.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const graph = importGraph(SRC);

describe('layering of src/', () => {
  it('reads the import graph (a parser that found nothing would pass every check below)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('index.ts')).toContain('model.ts');
    expect(graph.get('model.ts')).toContain('gpu-model.ts'); // the dynamic import() that keeps WebGPU out of CPU-only apps
    expect(graph.get('cpu/kernels.ts')).toContain('ops/conv.ts'); // across folders
    expect(graph.get('gpu/programs/unary.gpu.ts')).toContain('gpu/params.ts');
  });

  it('finds a circle when there is one', () => {
    const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(importCycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(importCycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });

  it('has no import circle among src/ files (type-only and dynamic imports included)', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  /** Every import from a file under `from` of a file under one of `to`, as "file -> dependency". */
  const reaches = (from: string, to: string[]) =>
    [...graph].flatMap(([f, deps]) => (f.startsWith(from) ? deps.filter((d) => to.some((t) => d.startsWith(t))).map((d) => `${f} -> ${d}`) : []));

  it('ops/ (attributes, shape rules, costs, reference kernels) imports nothing from a backend', () => {
    expect(reaches('ops/', ['cpu/', 'gpu/'])).toEqual([]);
  });

  it('graph/ (IR, resolve, the passes both backends share) imports nothing from a backend', () => {
    expect(reaches('graph/', ['cpu/', 'gpu/'])).toEqual([]);
  });

  it('neither backend imports from the other', () => {
    expect(reaches('cpu/', ['gpu/'])).toEqual([]);
    expect(reaches('gpu/', ['cpu/'])).toEqual([]);
  });
});
