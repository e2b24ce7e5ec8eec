// f16 weight storage (src/gpu/precision.ts) in the tiled depthwise and pointwise kernels, f32 accumulation.
// Here (SwiftShader, no shader-f16) the f16 kernels cannot run: this file checks the f16 packing against the
// float16 decoder, that the f16 modules are generated with their own names (so their own pipeline keys), that
// their real f16 text type-checks in naga (wgpu's WGSL validator, run as wasm: this adapter refuses `enable f16;`), and
// that asking for f16 on a device without the feature changes nothing (bit-identical to f32, f32 pipelines only).
// Where the device has shader-f16 (a lent GPU) the last block runs the sweep's depthwise and pointwise configs on
// the f16 kernels against Conv.reference with the stated tolerance; elsewhere it is skipped, saying why.
import { afterAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/device.js';
import { runNodeOnGpu } from '../src/gpu/dispatch-node.js';
import { DW_SHADER, DW_SHADER_F16 } from '../src/gpu/kernels/depthwise.js';
import { dwpwShader } from '../src/gpu/kernels/dwpw.js';
import { dwPwProgram } from '../src/gpu/programs/dwpw.gpu.js';
import { gemmShader } from '../src/gpu/kernels/gemm.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { packFloat16, toFloat16Bits, weightsF16 } from '../src/gpu/precision.js';
import { compileModule, fullSource, type ShaderDef } from '../src/gpu/shader.js';
import { Conv, type ConvAttrs } from '../src/ops/conv.js';
import type { Tensor } from '../src/tensor.js';
import { float16ToFloat32 } from '../src/tflite/values.js';
import { relErr } from './support/expect-close.js';
import { openKernelDevice } from './support/kernel-device.js';
import { nagaErrors } from './support/naga.js';
import { build, CONFIGS, rng } from './support/conv-sweep.js';
import { buildDwPw, DWPW_CONFIGS, referenceOf } from './support/dwpw-sweep.js';

/** The tolerance f16 weights are held to: max |y − ref| ≤ F16_RTOL · max(1, max |ref|) per layer (unit-scale data). */
const F16_RTOL = 2e-3;

const gpu = await openKernelDevice();
const hasF16 = gpu.device.features.has('shader-f16');
const hw = (precision: 'f32' | 'f16'): GpuContext => ({ ...gpu, precision, info: { ...gpu.info, isSoftware: false } });
// the depthwise and pointwise configs of the Conv sweep that run on the hardware-path kernels
const CASES = CONFIGS.filter((c) => (c.kind === 'dw' || c.kind === 'pw') && !c.software).slice(0, 24);
// and fused depthwise -> pointwise blocks (with and without residual)
const FUSED = [...DWPW_CONFIGS.filter((c) => c.residual).slice(0, 6), ...DWPW_CONFIGS.filter((c) => !c.residual).slice(0, 6)];

afterAll(() => gpu.device.destroy());

describe('f16 packing', () => {
  it('rounds to the nearest f16 (ties to even) and round-trips through the decoder', () => {
    const exact = [0, -0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8, Infinity, -Infinity];
    for (const x of exact) expect(float16ToFloat32(toFloat16Bits(x))).toBe(x);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1 + 2^-10: even (1)
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie between 1 + 2^-10 and 1 + 2^-9: even
    expect(toFloat16Bits(65520)).toBe(0x7c00); // past the largest f16: Inf
    expect(Number.isNaN(float16ToFloat32(toFloat16Bits(NaN)))).toBe(true);
    const r = rng(7);
    for (let i = 0; i < 20000; i++) {
      const x = Math.fround((r() * 2 - 1) * 2 ** Math.floor(r() * 40 - 28)); // weights are f32 values
      const h = toFloat16Bits(x);
      const y = float16ToFloat32(h);
      // nearest: neither neighbour of h is closer to x
      for (const nb of [h - 1, h + 1]) if ((nb & 0x7fff) < 0x7c00 && nb >= 0) expect(Math.abs(float16ToFloat32(nb) - x)).toBeGreaterThanOrEqual(Math.abs(y - x));
    }
  });

  it('packs pairs little-endian into words', () => {
    const p = packFloat16(Float32Array.from([1, -2, 0.5]));
    expect([...p]).toEqual([0xc0003c00, 0x3800]);
  });
});

describe('f16 modules', () => {
  const defs: [ShaderDef, ShaderDef][] = [
    [gemmShader('tiled', false, { aVec: true, bVec: true }), gemmShader('tiled', false, { aVec: true, bVec: true, bHalf: true })],
    [gemmShader('tiled', true), gemmShader('tiled', true, { bHalf: true })],
    [DW_SHADER, DW_SHADER_F16],
    [dwpwShader(false), dwpwShader(false, { wF16: true })],
    [dwpwShader(true, { x4: true, y4: true }), dwpwShader(true, { wF16: true, x4: true, y4: true })],
  ];

  it('are generated under their own names, the f32 text holding no f16', () => {
    for (const [f32, f16] of defs) {
      expect(f16.name).not.toBe(f32.name);
      expect(fullSource(f16).startsWith('enable f16;')).toBe(true);
      expect(fullSource(f16)).toMatch(/alias (BT|WV) = (vec4<)?f16>?;/);
      expect(fullSource(f32).replace(/\/\/.*$/gm, "")).not.toMatch(/f16/);
      expect(PipelineCache.key(f16, { TM: 64 })).not.toBe(PipelineCache.key(f32, { TM: 64 }));
    }
  });

  it('type-check in naga as f16 text (the f16 typing itself), and the f32 ones too', async () => {
    expect(nagaErrors(defs.flat())).toEqual([]);
    // the check can fail: a weight loaded without its widening is an f16 typing error naga refuses
    const [, f16] = defs[2]!;
    expect(nagaErrors([{ ...f16, source: f16.source.replace('vec4<f32>(w[tap * params.cout4 + c4])', 'w[tap * params.cout4 + c4]') }])).toHaveLength(1);
    for (const [, f16] of defs) {
      // without shader-f16 this device refuses the f16 text itself
      if (!hasF16) await expect(compileModule(gpu.device, f16)).rejects.toThrow(/f16/);
    }
  });
});

describe('f16 asked for on a device without shader-f16', () => {
  it.skipIf(hasF16)(`changes nothing: f32 pipelines, bit-identical outputs${hasF16 ? ' (skipped: this device has shader-f16)' : ''}`, async () => {
    expect(weightsF16(hw('f16'))).toBe(false);
    const p16 = new PipelineCache(gpu.device);
    const p32 = new PipelineCache(gpu.device);
    for (const cfg of CASES.slice(0, 6)) {
      const { rn, inputs, constants } = build(cfg);
      const [a] = await runNodeOnGpu(hw('f16'), rn, inputs, constants, p16);
      const [b] = await runNodeOnGpu(hw('f32'), rn, inputs, constants, p32);
      expect(a!.data).toEqual(b!.data);
    }
    for (const cfg of [FUSED[0]!, FUSED[6]!]) {
      const { fused, inputs, constants } = buildDwPw(cfg);
      const [a] = await runNodeOnGpu(hw('f16'), fused, inputs, constants, p16, dwPwProgram);
      const [b] = await runNodeOnGpu(hw('f32'), fused, inputs, constants, p32, dwPwProgram);
      expect(a!.data).toEqual(b!.data);
    }
    expect(p16.keys.some((k) => /\.bh\||\.wh\|/.test(k))).toBe(false);
    expect(p16.keys.sort()).toEqual(p32.keys.sort());
  });
});

describe('f16 weights on a device with shader-f16', () => {
  // SwiftShader (this machine, CI) does not offer shader-f16; the block runs where a lent GPU does.
  const why = hasF16 ? '' : ` (skipped: ${gpu.info.vendor} ${gpu.info.architecture} has no shader-f16)`;
  it.skipIf(!hasF16)(`depthwise and pointwise configs within the f16 tolerance, on the f16 pipelines${why}`, async () => {
    expect(weightsF16(hw('f16'))).toBe(true);
    const pipelines = new PipelineCache(gpu.device);
    let worst = 0;
    for (const cfg of CASES) {
      const { rn, inputs, constants } = build(cfg);
      const want = Conv.reference(inputs, rn.attrs as ConvAttrs)[0] as Tensor;
      const [got] = await runNodeOnGpu(hw('f16'), rn, inputs, constants, pipelines);
      const e = relErr(got!.data, want.data);
      worst = Math.max(worst, e);
      if (e > F16_RTOL) expect.fail(`${cfg.name}: max |gpu − ref| / max(1, max |ref|) = ${e} > ${F16_RTOL}`);
    }
    for (const cfg of FUSED) {
      const { plain, fused, inputs, constants, feeds } = buildDwPw(cfg);
      const want = referenceOf(plain, feeds);
      const [got] = await runNodeOnGpu(hw('f16'), fused, inputs, constants, pipelines, dwPwProgram);
      const e = relErr(got!.data, want.data);
      worst = Math.max(worst, e);
      if (e > F16_RTOL) expect.fail(`fused ${cfg.name}: max |gpu − ref| / max(1, max |ref|) = ${e} > ${F16_RTOL}`);
    }
    expect(pipelines.keys.some((k) => k.startsWith('depthwise.wh|'))).toBe(true);
    expect(pipelines.keys.some((k) => k.startsWith('dwpw.wh|')) && pipelines.keys.some((k) => k.startsWith('dwpw.res.wh|'))).toBe(true);
    expect(pipelines.keys.some((k) => /^gemm[^|]*\.bh\|/.test(k))).toBe(true);
    console.log(`[gpu-f16] ${CASES.length} + ${FUSED.length} fused configs, worst max|gpu − ref| / max(1, max|ref|) = ${worst.toExponential(2)}`);
  });
});
