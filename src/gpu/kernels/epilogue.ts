import activationWgsl from '../../../shaders/activation.wgsl?raw';
import type { FusedActivation } from '../../ops/activation.js';

/** Prepends the shared activation epilogue (act4) to a kernel's source; the kernel's Params must have act_a/act_b. */
export function withActivation(source: string): string {
  return activationWgsl + '\n' + source;
}

const ACT_KIND: Record<FusedActivation['kind'], number> = { none: 0, relu: 1, clip: 2, sigmoid: 3, hardsigmoid: 4, hardswish: 5 };

/**
 * The activation's ACT override constant (part of the pipeline key) and its act_a/act_b params.
 *   constants    the kernel of a first result: None and Relu run the Clip epilogue with bounds [-inf, inf] and
 *                [0, inf] (the same results, NaN and -0 included), so layers with and without Relu/Relu6 share one
 *                pipeline per kernel shape, within a model and across a page's models, for two selects per vec4;
 *   specialized  the exact kind (its dead branches vanish), for a kernel that swaps in later (Dispatch.upgrade).
 * The params suit both.
 */
export function activationSpec(act: FusedActivation): {
  constants: { ACT: number };
  specialized: { ACT: number };
  params: { act_a: number; act_b: number };
} {
  const p =
    act.kind === 'clip' ? { act_a: act.min, act_b: act.max }
    : act.kind === 'none' ? { act_a: -Infinity, act_b: Infinity }
    : act.kind === 'relu' ? { act_a: 0, act_b: Infinity }
    : act.kind === 'hardsigmoid' ? { act_a: act.alpha, act_b: act.beta }
    : act.kind === 'hardswish' ? { act_a: act.gain ?? 1, act_b: 0 }
    : { act_a: 0, act_b: 0 };
  const shared = act.kind === 'none' || act.kind === 'relu' ? 'clip' : act.kind;
  return { constants: { ACT: ACT_KIND[shared] }, specialized: { ACT: ACT_KIND[act.kind] }, params: p };
}
