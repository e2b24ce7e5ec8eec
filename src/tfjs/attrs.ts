import { ModelFormatError } from '../errors.js';
import type { AttrJson, TfNode } from './model-json.js';

/** Typed readers of a node's attributes; a wrong kind is a ModelFormatError naming node and attribute. */
export class Attrs {
  constructor(private readonly node: TfNode) {}

  private get(name: string): AttrJson | undefined {
    return Object.prototype.hasOwnProperty.call(this.node.attr, name) ? this.node.attr[name] : undefined;
  }

  private bad(name: string, want: string): ModelFormatError {
    return new ModelFormatError(`node "${this.node.name}" (${this.node.op}): attribute "${name}" must be ${want}`);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  int(name: string, fallback?: number): number {
    const a = this.get(name);
    if (a?.i === undefined) {
      if (fallback === undefined) throw this.bad(name, 'an integer (it is missing)');
      return fallback;
    }
    const v = Number(a.i);
    if (!Number.isSafeInteger(v)) throw this.bad(name, 'an integer');
    return v;
  }

  float(name: string, fallback: number): number {
    const a = this.get(name);
    if (a?.f === undefined) return fallback;
    const v = Number(a.f);
    if (Number.isNaN(v) && String(a.f) !== 'NaN') throw this.bad(name, 'a number');
    return v;
  }

  bool(name: string, fallback = false): boolean {
    const a = this.get(name);
    if (a?.b === undefined) return fallback;
    if (typeof a.b !== 'boolean') throw this.bad(name, 'a boolean');
    return a.b;
  }

  string(name: string, fallback?: string): string {
    const a = this.get(name);
    if (a?.s === undefined) {
      if (fallback === undefined) throw this.bad(name, 'a string (it is missing)');
      return fallback;
    }
    if (typeof a.s !== 'string') throw this.bad(name, 'a base64 string');
    return decodeBase64(a.s);
  }

  ints(name: string, fallback?: number[]): number[] {
    const a = this.get(name);
    if (a?.list === undefined) {
      if (fallback === undefined) throw this.bad(name, 'a list of integers (it is missing)');
      return fallback;
    }
    const l = a.list.i ?? [];
    if (!Array.isArray(l)) throw this.bad(name, 'a list of integers');
    return l.map((x) => {
      const v = Number(x);
      if (!Number.isSafeInteger(v)) throw this.bad(name, 'a list of integers');
      return v;
    });
  }

  strings(name: string): string[] {
    const a = this.get(name);
    const l = a?.list?.s ?? [];
    if (!Array.isArray(l) || l.some((x) => typeof x !== 'string')) throw this.bad(name, 'a list of base64 strings');
    return l.map(decodeBase64);
  }

  type(name: string, fallback = 'DT_FLOAT'): string {
    const a = this.get(name);
    if (a?.type === undefined) return fallback;
    if (typeof a.type !== 'string') throw this.bad(name, 'a type name');
    return a.type;
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 → UTF-8 text, without Buffer/atob so it runs the same in Node and browsers; invalid → ''. */
export function decodeBase64(s: string): string {
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of s) {
    if (ch === '=') break;
    const v = B64.indexOf(ch === '-' ? '+' : ch === '_' ? '/' : ch);
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
