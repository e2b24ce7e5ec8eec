import poolWgsl from '../../../shaders/pool.wgsl?raw';
import poolLoopWgsl from '../../../shaders/pool_loop.wgsl?raw';
import { defineParams } from '../params.js';
import type { GpuProgram } from '../program.js';
import { shader, type ShaderDef } from '../shader.js';
import { kernelVariant } from '../variant.js';
import { channelMeanDispatch } from './reduce.gpu.js';
import { sizeOf } from '../../tensor.js';
import type { AveragePoolAttrs } from '../../ops/averagepool.js';
import { grid1D, WG } from './copy.gpu.js';
import type { PoolAttrs } from '../../ops/window.js';

const params = defineParams([
  ['n', 'u32'],
  ['C', 'u32'],
  ['H', 'u32'],
  ['W', 'u32'],
  ['OH', 'u32'],
  ['OW', 'u32'],
  ['KH', 'i32'],
  ['KW', 'i32'],
  ['SH', 'i32'],
  ['SW', 'i32'],
  ['DH', 'i32'],
  ['DW', 'i32'],
  ['PT', 'i32'],
  ['PL', 'i32'],
  ['PB', 'i32'],
  ['PR', 'i32'],
  ['lowest', 'f32'],
]);
const elementTypes = (vec: boolean) =>
  vec ? 'alias PT = vec4<f32>;\nalias PB = vec4<bool>;\nalias PU = vec4<u32>;\n' : 'alias PT = f32;\nalias PB = bool;\nalias PU = u32;\n';
/** Scalar, and vec4 over channels where C % 4 == 0. */
const loopPool = poolWgsl.replace('${TAPS}', poolLoopWgsl);
const POOL_SHADERS = { scalar: shader('pool', elementTypes(false) + loopPool, params), vec4: shader('pool.v4', elementTypes(true) + loopPool, params) };

/** Windows of at most this many taps run unrolled on software adapters (pool.wgsl with the taps written out). */
const UNROLL_TAPS = 9;
const registerPools = new Map<string, ShaderDef>();

/** pool.wgsl with the kh × kw taps written out (once per window size and element type). */
export function registerPoolShader(kh: number, kw: number, vec: boolean): ShaderDef {
  const name = `pool.register${vec ? '.v4' : ''}.k${kh}x${kw}`;
  let def = registerPools.get(name);
  if (!def) {
    const taps = Array.from({ length: kh * kw }, (_, t) => {
      const [ky, kx] = [Math.floor(t / kw), t % kw];
      return [
        '{',
        `    let ih = h0${ky ? ` + ${ky} * params.DH` : ''};`,
        `    let iw = w0${kx ? ` + ${kx} * params.DW` : ''};`,
        '    let ok = (ih >= 0) & (ih <= lh) & (iw >= 0) & (iw <= lw);',
        '    let v = x[(plane + u32(clamp(ih, 0, lh)) * params.W + u32(clamp(iw, 0, lw))) * C + c];',
        '    if (KIND == 0u) {',
        '      acc = select(acc, v, PB(ok) & ((v > acc) | is_nan(v)));',
        '    } else {',
        '      acc += select(PT(0.0), v, ok);',
        '      count += select(0i, 1i, select(ok, (ih >= -params.PT) & (ih < H + params.PB) & (iw >= -params.PL) & (iw < W + params.PR), KIND == 2u));',
        '    }',
        '  }',
      ].join('\n');
    });
    registerPools.set(name, (def = shader(name, elementTypes(vec) + poolWgsl.replace('${TAPS}', taps.join('\n  ')), params)));
  }
  return def;
}

const poolProgram: GpuProgram = {
  async build(rn, ctx) {
    const a = rn.attrs as PoolAttrs & Partial<AveragePoolAttrs>;
    const [, C, H, W] = rn.inputShapes[0]! as [number, number, number, number];
    const ys = rn.outputShapes[0]!;
    const n = sizeOf(ys);
    if (n === 0) return { dispatches: [] };
    const kind = rn.node.op === 'MaxPool' ? 0 : a.countIncludePad ? 2 : 1;
    // an average over the whole unpadded image (a squeeze-and-excitation pool): the channel-mean kernel
    const whole = kind !== 0 && a.kernel[0] === H && a.kernel[1] === W && a.pads.every((p) => p === 0) && a.out[0] === 1 && a.out[1] === 1;
    const mean = whole ? await channelMeanDispatch(ctx, 'ReduceMean', rn.inputShapes[0]!, [2, 3], rn.node.name) : undefined;
    if (mean) return { dispatches: [mean] };
    const lanes = C % 4 === 0 ? 4 : 1;
    const values = {
      n: n / lanes,
      C: C / lanes,
      H,
      W,
      OH: a.out[0],
      OW: a.out[1],
      KH: a.kernel[0],
      KW: a.kernel[1],
      SH: a.strides[0],
      SW: a.strides[1],
      DH: a.dilations[0],
      DW: a.dilations[1],
      PT: a.pads[0],
      PL: a.pads[1],
      PB: a.pads[2],
      PR: a.pads[3],
      lowest: -Infinity,
    };
    return {
      dispatches: [
        {
          pipeline: await ctx.pipeline(
            kernelVariant(ctx.info) === 'register' && a.kernel[0] * a.kernel[1] <= UNROLL_TAPS
              ? registerPoolShader(a.kernel[0], a.kernel[1], lanes === 4)
              : lanes === 4 ? POOL_SHADERS.vec4 : POOL_SHADERS.scalar,
            { WG, KIND: kind },
          ),
          bindings: [ctx.uniform(params, values, `${rn.node.name}.params`), { kind: 'input', index: 0 }, { kind: 'output', index: 0 }],
          workgroups: grid1D(n / lanes, ctx),
          label: rn.node.name,
        },
      ],
    };
  },
};

export const poolGpu: [string, GpuProgram][] = [
  ['MaxPool', poolProgram],
  ['AveragePool', poolProgram],
];
