import { describe, expect, it } from 'vitest';
import { bakedArray, bakeVec4 } from '../src/gpu/kernels/baked.js';

/** The literals of the decl's vec4s, row by row. */
const rows = (decl: string): string[][] => [...decl.matchAll(/vec4<f32>\(([^)]*)\)/g)].map((m) => m[1]!.split(', '));

describe('bakeVec4', () => {
  it('writes every f32 back exactly (signs, zeros, subnormals, extremes, integers), vec4 by vec4', () => {
    const v = new Float32Array([1, -0, 0, 0.1, -3.4028234663852886e38, 1.1754943508222875e-38, 1e-45, 123456792, Math.PI, -Math.E, 7e-8, 16777217]);
    const b = bakedArray(bakeVec4(v)!, 'wt');
    expect(b.decl.startsWith('const wt_baked = array<vec4<f32>, 3>(')).toBe(true);
    expect(b.keep).toBe('_ = wt[0];\n  ');
    expect(rows(b.decl)).toHaveLength(3);
    // parsed as a WGSL compiler does: the decimal rounded to the nearest f32
    const back = Float32Array.from(rows(b.decl).flat().map(Number));
    expect(back).toHaveLength(v.length);
    for (let i = 0; i < v.length; i++) expect(Object.is(back[i], v[i]), `${i}: ${v[i]} -> ${back[i]}`).toBe(true);
    // every literal is a float (a WGSL integer literal would not be an f32)
    expect(rows(b.decl).flat().filter((t) => !/[.e]/.test(t))).toEqual([]);
  });

  it('tags by content: equal values share a tag, one changed bit or a different length does not', () => {
    const a = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
    const b = a.slice();
    expect(bakeVec4(b)!.tag).toBe(bakeVec4(a)!.tag);
    const bits = new Uint32Array(b.buffer);
    bits[17]! ^= 1;
    expect(bakeVec4(b)!.tag).not.toBe(bakeVec4(a)!.tag);
    expect(bakeVec4(a.subarray(0, 60))!.tag).not.toBe(bakeVec4(a)!.tag);
  });

  it('refuses what has no WGSL literal (NaN, ±Inf) or is not whole vec4s: the kernel then reads the bound buffer', () => {
    expect(bakeVec4(new Float32Array([1, 2, NaN, 4]))).toBeUndefined();
    expect(bakeVec4(new Float32Array([1, 2, 3, Infinity]))).toBeUndefined();
    expect(bakeVec4(new Float32Array([1, 2, 3]))).toBeUndefined();
  });
});
