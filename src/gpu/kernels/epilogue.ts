import activationWgsl from '../../../shaders/activation.wgsl?raw';
import type { FusedActivation } from '../../ops/activation.js';

/** Prepends the shared activation epilogue (act4) to a kernel's source; the kernel's Params must have act_a/act_b. */
export function withActivation(source: string): string {
  return activationWgsl + '\n' + source;
}

const ACT_KIND: Record<FusedActivation['kind'], number> = { none: 0, relu: 1, clip: 2, sigmoid: 3, hardsigmoid: 4, hardswish: 5 };

/**
 * The ACT override constant (part of the pipeline key) and the act_a/act_b params values. None and Relu run as
 * the Clip kernel, clamping to [-inf, inf] and [0, inf] (the same results, NaN and -0 included): a model's
 * layers with and without Relu/Relu6 then share one pipeline per kernel shape instead of compiling up to three,
 * for two selects per vec4 output.
 */
export function activationSpec(act: FusedActivation): { constants: { ACT: number }; params: { act_a: number; act_b: number } } {
  const p =
    act.kind === 'clip' ? { act_a: act.min, act_b: act.max }
    : act.kind === 'none' ? { act_a: -Infinity, act_b: Infinity }
    : act.kind === 'relu' ? { act_a: 0, act_b: Infinity }
    : act.kind === 'hardsigmoid' ? { act_a: act.alpha, act_b: act.beta }
    : act.kind === 'hardswish' ? { act_a: act.gain ?? 1, act_b: 0 }
    : { act_a: 0, act_b: 0 };
  const kind = act.kind === 'none' || act.kind === 'relu' ? 'clip' : act.kind;
  return { constants: { ACT: ACT_KIND[kind] }, params: p };
}
