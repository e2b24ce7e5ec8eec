import { isInt, type Value } from '../graph/ir.js';
import { defineOp } from './types.js';

const KINDS = ['value', 'value_float', 'value_floats', 'value_int', 'value_ints'] as const;

/** The node's output is its one value attribute (tensor, float(s) or int(s)); it is folded at load time. */
export const Constant = defineOp<{ value: Value }>({
  op: 'Constant',
  parse(ctx) {
    const given = Object.keys(ctx.node.attrs);
    const unsupported = given.filter((k) => !(KINDS as readonly string[]).includes(k));
    if (unsupported.length) throw ctx.error(`attribute(s) ${unsupported.join(', ')} not supported (${KINDS.join(', ')})`);
    if (given.length !== 1) throw ctx.error(`needs exactly one of ${KINDS.join(', ')}, got ${given.length}`);
    switch (given[0] as (typeof KINDS)[number]) {
      case 'value': {
        const v = ctx.tensorAttr('value')!;
        return { value: isInt(v) ? { shape: [...v.shape], ints: v.ints } : { shape: [...v.shape], data: v.data } };
      }
      case 'value_float':
        return { value: { shape: [], data: Float32Array.of(ctx.float('value_float')!) } };
      case 'value_floats': {
        const fs = ctx.node.attrs['value_floats'];
        if (!Array.isArray(fs) || fs.some((f) => typeof f !== 'number')) throw ctx.error('attribute value_floats must be a list of numbers');
        return { value: { shape: [fs.length], data: Float32Array.from(fs as number[]) } };
      }
      case 'value_int':
        return { value: { shape: [], ints: Float64Array.of(ctx.int('value_int')!) } };
      case 'value_ints': {
        const is = ctx.ints('value_ints')!;
        return { value: { shape: [is.length], ints: Float64Array.from(is) } };
      }
    }
  },
  outputShapes: (_ctx, a) => [a.value.shape],
  reference: (_inputs, a) => [a.value],
});
