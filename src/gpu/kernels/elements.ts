import type { ElemStorage } from '../elem-storage.js';

// WGSL element helpers of kernel bindings by storage (src/gpu/act-storage.ts ElemStorage), prepended to a kernel's
// source: the kernel's code reads and writes through them, so one shader text serves f32 and both f16 flavours.

/**
 * The element type of an operand binding and its loaders (see shaders/gemm.wgsl, conv2d.wgsl): f32 or vec4<f32>; f16
 * storage ('f16': f16 / vec4<f16>, `enable f16;`; 'packed': u32 / vec2<u32> words of two f16, unpack2x16float)
 * widened to f32 on load (accumulation stays f32). `fn <name>_at(i) -> f32`, `fn <name>_vec(i) -> vec4<f32>`
 * (elements i .. i+3; with `vec`, i a multiple of 4).
 */
export function operandLoaders(name: string, array: string, vec: boolean, st: ElemStorage = 'f32'): string {
  const T = name.toUpperCase() + 'T';
  const fn = (ret: string, body: string, suffix = 'at') => `fn ${name}_${suffix}(i: u32) -> ${ret} {\n  return ${body};\n}`;
  if (st === 'packed')
    return vec
      ? [`alias ${T} = vec2<u32>;`, fn('f32', `unpack2x16float(${array}[i / 4u][(i / 2u) % 2u])[i % 2u]`),
         `fn ${name}_vec(i: u32) -> vec4<f32> {\n  let p = ${array}[i / 4u];\n  return vec4<f32>(unpack2x16float(p.x), unpack2x16float(p.y));\n}`].join('\n')
      : [`alias ${T} = u32;`, fn('f32', `unpack2x16float(${array}[i / 2u])[i % 2u]`),
         fn('vec4<f32>', `vec4<f32>(${[0, 1, 2, 3].map((q) => `${name}_at(i${q ? ` + ${q}u` : ''})`).join(', ')})`, 'vec')].join('\n');
  const half = st === 'f16';
  // f32 storage: the loads as they are; f16: each widened (the f32 text stays byte-identical)
  const s = (e: string) => (half ? `f32(${e})` : e);
  const v = (e: string) => (half ? `vec4<f32>(${e})` : e);
  return [
    ...(half ? ['enable f16;'] : []),
    `alias ${T} = ${vec ? `vec4<${st}>` : st};`,
    ...(vec
      ? [fn('f32', s(`${array}[i / 4u][i % 4u]`)), fn('vec4<f32>', v(`${array}[i / 4u]`), 'vec')]
      : [fn('f32', s(`${array}[i]`)), fn('vec4<f32>', `vec4<f32>(${[0, 1, 2, 3].map((q) => s(`${array}[i${q ? ` + ${q}u` : ''}]`)).join(', ')})`, 'vec')]),
  ].join('\n');
}

/**
 * The element type of an output binding `name` and its store (narrowing f32 values to the storage):
 * `fn <name>_set(i, v: f32)` (scalars) or, with `vec`, `fn <name>_set4(i, v: vec4<f32>)` (elements i .. i+3, i a
 * multiple of 4). Packed f16 scalars share a u32 word with a neighbour another invocation may store, so they go
 * through atomics on the word's half (atomicAnd, then atomicOr: the two halves' bits are disjoint).
 */
export function outputStores(name: string, vec: boolean, st: ElemStorage = 'f32'): string {
  const T = name.toUpperCase() + 'T';
  if (vec) {
    const [type, value] =
      st === 'packed' ? ['vec2<u32>', 'vec2<u32>(pack2x16float(v.xy), pack2x16float(v.zw))'] : st === 'f16' ? ['vec4<f16>', 'vec4<f16>(v)'] : ['vec4<f32>', 'v'];
    return [...(st === 'f16' ? ['enable f16;'] : []), `alias ${T} = ${type};`, `fn ${name}_set4(i: u32, v: vec4<f32>) {\n  ${name}[i / 4u] = ${value};\n}`].join('\n');
  }
  if (st === 'packed')
    return [
      `alias ${T} = atomic<u32>;`,
      `fn ${name}_set(i: u32, v: f32) {\n  let sh = (i % 2u) * 16u;\n  atomicAnd(&${name}[i / 2u], 0xffff0000u >> sh);\n` +
        `  atomicOr(&${name}[i / 2u], (pack2x16float(vec2<f32>(v, 0.0)) & 0xffffu) << sh);\n}`,
    ].join('\n');
  return [...(st === 'f16' ? ['enable f16;'] : []), `alias ${T} = ${st};`, `fn ${name}_set(i: u32, v: f32) {\n  ${name}[i] = ${st === 'f16' ? 'f16(v)' : 'v'};\n}`].join('\n');
}
