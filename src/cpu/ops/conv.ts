import type { Value } from '../../graph/ir.js';
import { convOperands, convResidual, type ConvAttrs } from '../../ops/conv.js';
import { dwOutputShape, splitDwPw, type DwPwAttrs } from '../../ops/dwpw.js';
import { asFloat } from '../../ops/types.js';
import { canFuseDwPw, convChainFast, convFast } from '../conv-fast.js';
import type { KernelOptions } from '../kernel-options.js';
import { outputBuffer } from '../pool.js';

export function convKernel(inputs: readonly Value[], a: ConvAttrs, o: KernelOptions = {}): Value[] {
  // every fast path overwrites the whole output, so it may be a recycled buffer (src/cpu/pool.ts)
  const { x, w, bias, y } = convOperands(inputs, a, outputBuffer);
  convFast(x.data, x.shape, w.data, bias, a, y.data, y.shape, o);
  return [convResidual(y, inputs, a)];
}

export function dwPwKernel(inputs: readonly Value[], a: DwPwAttrs, o: KernelOptions = {}): Value[] {
  const x = asFloat(inputs[0], 'FusedDwPw input');
  const dwW = asFloat(inputs[1], 'FusedDwPw depthwise weight');
  const pwW = asFloat(inputs[3], 'FusedDwPw pointwise weight');
  const mid = dwOutputShape(x.shape, dwW.shape, a.dw);
  if (canFuseDwPw(x.shape, a.dw, mid, pwW.shape, a.pw)) {
    const ys = [mid[0]!, pwW.shape[0]!, mid[2]!, mid[3]!];
    const y = outputBuffer(ys.reduce((p, d) => p * d, 1));
    const params = (w: Float32Array, bi: number, ca: ConvAttrs) => ({ w, bias: ca.hasBias ? asFloat(inputs[bi], 'FusedDwPw bias').data : undefined, a: ca });
    const residual = a.pw.residual ? asFloat(inputs[5], 'FusedDwPw residual').data : undefined;
    if (residual && residual.length !== y.length) throw new RangeError(`fused residual has ${residual.length} values, the conv output ${y.length}`);
    if (convChainFast(x.data, x.shape, undefined, params(dwW.data, 2, a.dw), x.shape, params(pwW.data, 4, a.pw), residual, y, ys, o))
      return [{ shape: ys, data: y }];
  }
  const { dwIn, pwIn } = splitDwPw(inputs, a);
  return convKernel(pwIn(convKernel(dwIn, a.dw, o)[0]!), a.pw, o);
}
