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
  });

  it('finds a circle when there is one', () => {
    const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(importCycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(importCycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });

  it('has no import circle among src/ files (type-only and dynamic imports included)', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('ops/ (attributes, shape rules, costs, reference kernels) imports nothing from a backend', () => {
    const reaches = [...graph].flatMap(([f, deps]) =>
      f.startsWith('ops/') ? deps.filter((d) => d.startsWith('cpu/') || d.startsWith('gpu/')).map((d) => `${f} -> ${d}`) : [],
    );
    expect(reaches).toEqual([]);
  });

  it('the CPU backend imports nothing from the GPU backend', () => {
    const reaches = [...graph].flatMap(([f, deps]) =>
      f.startsWith('cpu/') ? deps.filter((d) => d.startsWith('gpu/')).map((d) => `${f} -> ${d}`) : [],
    );
    expect(reaches).toEqual([]);
  });
});
