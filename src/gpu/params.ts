/**
 * A params uniform declared once: the WGSL struct is generated from this list and the packing follows it,
 * so a field can never disagree between TypeScript and the shader.
 */
export type ScalarType = 'u32' | 'i32' | 'f32';

export interface ParamsLayout<F extends string = string> {
  readonly fields: readonly (readonly [F, ScalarType])[];
  /** WGSL `struct Params { ... }` text. */
  readonly wgsl: string;
  /** Byte size, padded to 16 as uniform buffers require. */
  readonly byteSize: number;
  pack(values: Readonly<Record<F, number>>): ArrayBuffer;
}

export function defineParams<F extends string>(fields: readonly (readonly [F, ScalarType])[]): ParamsLayout<F> {
  const wgsl = `struct Params {\n${fields.map(([n, t]) => `  ${n}: ${t},`).join('\n')}\n}\n`;
  const byteSize = Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
  return {
    fields,
    wgsl,
    byteSize,
    pack(values) {
      const buf = new ArrayBuffer(byteSize);
      const u = new Uint32Array(buf);
      const i = new Int32Array(buf);
      const f = new Float32Array(buf);
      fields.forEach(([name, t], k) => {
        const v = values[name];
        if (v === undefined || Number.isNaN(v) && t !== 'f32') throw new RangeError(`params field ${name} is missing`);
        if (t === 'u32') {
          if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`params field ${name}=${v} is not a u32`);
          u[k] = v;
        } else if (t === 'i32') {
          if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`params field ${name}=${v} is not an i32`);
          i[k] = v;
        } else f[k] = v;
      });
      return buf;
    },
  };
}
