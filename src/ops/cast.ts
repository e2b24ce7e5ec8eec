import type { Value } from '../graph/ir.js';
import { elems } from './broadcast.js';
import { defineOp } from './types.js';

/** ONNX TensorProto.DataType codes this engine can cast to, and how each is stored. */
const TARGETS: Record<number, { name: string; kind: 'float' | 'int' | 'bool' }> = {
  1: { name: 'FLOAT', kind: 'float' },
  6: { name: 'INT32', kind: 'int' },
  7: { name: 'INT64', kind: 'int' },
  9: { name: 'BOOL', kind: 'bool' },
  10: { name: 'FLOAT16 (computed as float32)', kind: 'float' },
  11: { name: 'DOUBLE (computed as float32)', kind: 'float' },
};

/** Float targets give float32; integer targets truncate toward zero; BOOL is x != 0 as 0/1. */
export interface CastAttrs {
  kind: 'float' | 'int' | 'bool';
}

export const Cast = defineOp<CastAttrs>({
  op: 'Cast',
  parse(ctx) {
    const to = ctx.int('to');
    const t = to === undefined ? undefined : TARGETS[to];
    if (t === undefined)
      throw ctx.error(`to=${to ?? '(missing)'} is not supported; supported: ${Object.entries(TARGETS).map(([k, v]) => `${k} ${v.name}`).join(', ')}`);
    return { kind: t.kind };
  },
  outputShapes: (ctx) => [ctx.shape(0)],
  reference(inputs: readonly Value[], { kind }) {
    const x = inputs[0]!;
    const src = elems(x);
    if (kind === 'float') return [{ shape: x.shape, data: Float32Array.from(src) }];
    const ints = new Float64Array(src.length);
    for (let i = 0; i < src.length; i++) ints[i] = kind === 'int' ? Math.trunc(src[i]!) + 0 : src[i] !== 0 ? 1 : 0; // + 0: integers have no -0
    return [{ shape: x.shape, ints }];
  },
});
