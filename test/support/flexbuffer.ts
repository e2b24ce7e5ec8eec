// A flexbuffer writer for tests and the fuzzer: a root map of ints, floats and int vectors with every value,
// length and offset at one chosen byte width (the flatbuffers package's builder picks the narrowest width and
// cannot write 64-bit ints inside vectors). Floats take max(width, 4) bytes; an int or offset too wide throws.
export type FlexOption = number | number[] | { float: number };

export function flexMap(options: Record<string, FlexOption>, width: 1 | 2 | 4 | 8): Uint8Array {
  const out: number[] = [];
  const bw = Math.log2(width);
  const put = (v: number | bigint, w: number, kind: 'int' | 'uint' | 'float' = 'uint') => {
    const [lo, hi] = kind === 'int' ? [-(2n ** BigInt(8 * w - 1)), 2n ** BigInt(8 * w - 1)] : [0n, 2n ** BigInt(8 * w)];
    if (kind !== 'float' && (BigInt(v) >= hi || BigInt(v) < lo)) throw new RangeError(`${v} does not fit in ${w} bytes`);
    const dv = new DataView(new ArrayBuffer(8));
    if (kind === 'float') (w === 8 ? dv.setFloat64(0, Number(v), true) : dv.setFloat32(0, Number(v), true));
    else dv.setBigInt64(0, BigInt(v), true);
    for (let i = 0; i < w; i++) out.push(dv.getUint8(i));
  };
  const align = (w: number) => {
    while (out.length % w) out.push(0);
  };
  const keys = Object.keys(options).sort();
  const keyAt = keys.map((k) => {
    const at = out.length;
    out.push(...new TextEncoder().encode(k), 0);
    return at;
  });
  const fw = Math.max(width, 4);
  const vecAt = keys.map((k) => {
    const v = options[k]!;
    if (typeof v === 'number') return -1;
    align(8);
    put(Array.isArray(v) ? v.length : 0, width);
    const at = out.length;
    if (Array.isArray(v)) v.forEach((x) => put(x, width, 'int'));
    else put(v.float, fw, 'float');
    return at;
  });
  align(8);
  const keysVec = out.length + width;
  put(keys.length, width);
  keyAt.forEach((at, i) => put(keysVec + i * width - at, width));
  align(8);
  put(out.length - keysVec, width);
  put(width, width);
  put(keys.length, width);
  const values = out.length;
  keys.forEach((k, i) => {
    const v = options[k]!;
    if (typeof v === 'number') put(v, width, 'int');
    else put(values + i * width - vecAt[i]!, width);
  });
  // packed types: INT 1, INDIRECT_FLOAT 8, VECTOR_INT 11
  for (const v of keys.map((k) => options[k]!)) out.push(typeof v === 'number' ? (1 << 2) | bw : Array.isArray(v) ? (11 << 2) | bw : (8 << 2) | Math.log2(fw));
  align(width);
  put(out.length - values, width);
  out.push((9 << 2) | bw, width);
  return Uint8Array.from(out);
}
