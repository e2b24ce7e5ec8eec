import type { Value } from '../../graph/ir.js';
import { convOperands, convResidual, type ConvAttrs } from '../../ops/conv.js';
import { splitDwPw, type DwPwAttrs } from '../../ops/dwpw.js';
import { convFast } from '../conv-fast.js';
import { outputBuffer } from '../pool.js';

export function convKernel(inputs: readonly Value[], a: ConvAttrs): Value[] {
  // every fast path overwrites the whole output, so it may be a recycled buffer (src/cpu/pool.ts)
  const { x, w, bias, y } = convOperands(inputs, a, outputBuffer);
  convFast(x.data, x.shape, w.data, bias, a, y.data, y.shape);
  return [convResidual(y, inputs, a)];
}

export function dwPwKernel(inputs: readonly Value[], a: DwPwAttrs): Value[] {
  const { dwIn, pwIn } = splitDwPw(inputs, a);
  return convKernel(pwIn(convKernel(dwIn, a.dw)[0]!), a.pw);
}
