/**
 * Weights baked into a register kernel's code as a WGSL `const` array of vec4s, indexed with literals. SwiftShader
 * loads a literal index of a bound storage array per lane, bounds-checked; a constant costs no load. Against the same
 * literal indices into the bound buffer (A/B in one page, both orders): face short's 5×5 stem 0.75-0.79×, its 64²
 * pointwise convs 0.61-0.80×. The kernel is then the layer's own pipeline (its name carries `tag`): the stem conv
 * bakes always (one per model), a literal-B pointwise GEMM only without twins (GpuBuildCtx.twins), since baking the
 * hand landmarker's same-shaped layers doubled its background compiles (a task test 17 → 33 s).
 */
export interface Baked {
  /** the values' hash, for the shader's name */
  readonly tag: string;
  /** the vec4s as WGSL constructors, comma-separated */
  readonly rows: string;
  readonly count: number;
}

/** f32 `data` (length a multiple of 4) as WGSL vec4 literals; undefined if a value has none (NaN, ±Inf). */
export function bakeVec4(data: Float32Array): Baked | undefined {
  if (data.length % 4 !== 0 || !data.every(Number.isFinite)) return undefined;
  // 9 significant digits give back every f32 exactly
  const lit = (v: number) => {
    const t = Object.is(v, -0) ? '-0' : v.toPrecision(9);
    return /[.e]/.test(t) ? t : `${t}.0`;
  };
  const rows: string[] = [];
  for (let k = 0; k < data.length; k += 4) rows.push(`vec4<f32>(${lit(data[k]!)}, ${lit(data[k + 1]!)}, ${lit(data[k + 2]!)}, ${lit(data[k + 3]!)})`);
  return { tag: contentTag(data), rows: rows.join(',\n  '), count: data.length / 4 };
}

/**
 * What a kernel generator writes to read `baked` with literal indices instead of its bound vec4 array `bound`: the
 * const `array` to index, its declaration, the name `suffix` that makes the kernel the layer's own, and `keep`, a
 * phony read of `bound`: it stays in the bind group the first-call kernel (which reads it) shares, so in the layout.
 */
export function bakedArray(baked: Baked, bound: string): { array: string; decl: string; suffix: string; keep: string } {
  const array = `${bound}_baked`;
  return { array, decl: `const ${array} = array<vec4<f32>, ${baked.count}>(\n  ${baked.rows}\n);`, suffix: `.k${baked.tag}`, keep: `_ = ${bound}[0];\n  ` };
}

/** Two 32-bit hashes of the bytes (FNV-1a and a murmur-style mix) and the length: two layers share a pipeline only if all three match. */
function contentTag(data: Float32Array): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let h = 0x811c9dc5;
  let g = 0x9747b28c;
  for (const b of bytes) {
    h = Math.imul(h ^ b, 0x01000193);
    g = Math.imul(g ^ b, 0x5bd1e995);
    g ^= g >>> 15;
  }
  const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
  return `${hex(h)}${hex(g)}n${data.length}`;
}
