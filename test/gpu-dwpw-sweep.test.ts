// The fused depthwise -> pointwise kernel (dwpw.wgsl, tiled: it has no register variant) against the CPU reference of the
// unfused pair, over seeded random DSC blocks (test/support/dwpw-sweep.ts). Tolerance |gpu - ref| <= 1e-4 + 1e-4·|ref|.
import { afterAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/device.js';
import { openKernelDevice } from './support/kernel-device.js';
import { PipelineCache } from '../src/gpu/pipelines.js';
import { runNodeOnGpu } from '../src/gpu/dispatch-node.js';
import { planDwPw } from '../src/gpu/kernels/dwpw.js';
import { dwPwGeometry, dwPwProgram } from '../src/gpu/programs/dwpw.gpu.js';
import { FusedDwPw, type DwPwAttrs } from '../src/ops/dwpw.js';
import type { Tensor } from '../src/tensor.js';
import { compare } from './support/conv-sweep.js';
import { buildDwPw, DWPW_CONFIGS, referenceOf } from './support/dwpw-sweep.js';
import { cpuKernel } from '../src/cpu/kernels.js';

let shared: { gpu: GpuContext; pipelines: PipelineCache } | undefined;
async function setup() {
  if (!shared) {
    const gpu = await openKernelDevice();
    shared = { gpu, pipelines: new PipelineCache(gpu.device) };
  }
  return shared;
}
const worst = { gpu: 0, cpu: 0 };
afterAll(() => {
  shared?.gpu.device.destroy();
  console.log(`[gpu-dwpw-sweep] ${DWPW_CONFIGS.length} configs, ${shared?.pipelines.size ?? 0} pipelines, max |err|: ${JSON.stringify(worst)}`);
});

describe('fused depthwise -> pointwise sweep', () => {
  it('covers strides, dilation, multipliers, every activation, biases and residuals', () => {
    const cs = DWPW_CONFIGS;
    expect(new Set(cs.map((c) => c.mult))).toEqual(new Set([1, 2, 3]));
    expect(new Set(cs.flatMap((c) => c.strides))).toEqual(new Set([1, 2, 3]));
    expect(cs.some((c) => c.dilations[0] === 2)).toBe(true);
    expect(new Set(cs.map((c) => c.dwAct.kind)).size).toBe(6);
    expect(new Set(cs.map((c) => c.pwAct.kind)).size).toBe(6);
    expect(cs.some((c) => c.residual) && cs.some((c) => !c.residual)).toBe(true);
    expect(cs.some((c) => c.cout % 4 !== 0) && cs.some((c) => (c.c * c.mult) % 4 !== 0)).toBe(true);
    // the vec4 input (C % 4 = 0, multiplier 1) and vec4 output (cout % 4 = 0, with and without residual) bindings
    expect(cs.some((c) => c.c % 4 === 0 && c.mult === 1) && cs.some((c) => c.c % 4 === 0 && c.mult > 1)).toBe(true);
    expect(cs.some((c) => c.cout % 4 === 0 && c.residual) && cs.some((c) => c.cout % 4 === 0 && !c.residual)).toBe(true);
  });

  it.each(DWPW_CONFIGS.map((c) => [c.name, c] as const))('%s', async (_name, cfg) => {
    const { gpu, pipelines } = await setup();
    const { plain, fused, inputs, constants, feeds } = buildDwPw(cfg);
    const want = referenceOf(plain, feeds);
    const cpu = cpuKernel(FusedDwPw)(inputs, fused.attrs as DwPwAttrs)[0] as Tensor;
    expect(cpu.shape).toEqual(want.shape);
    const c = compare(cpu.data, want.data);
    worst.cpu = Math.max(worst.cpu, c.maxErr);
    expect(c.bad, `cpu fast: max err ${c.maxErr}`).toBe(-1);
    const [got] = await runNodeOnGpu(gpu, fused, inputs, constants, pipelines, dwPwProgram);
    expect(got!.shape).toEqual(want.shape);
    const bound = `dwpw${cfg.residual ? '.res' : ''}${cfg.c % 4 === 0 ? '.x4' : ''}${cfg.cout % 4 === 0 ? '.y4' : ''}|`;
    expect(pipelines.keys.some((k) => k.startsWith(bound)), bound).toBe(true);
    const { maxErr, bad } = compare(got!.data, want.data);
    worst.gpu = Math.max(worst.gpu, maxErr);
    if (bad >= 0) expect.fail(`element ${bad}: gpu ${got!.data[bad]}, reference ${want.data[bad]} (max err ${maxErr})`);
  });

  // The same kernel planned for a small device (12 KiB of workgroup memory, 128 invocations): other tiles (smaller
  // TY × TX and TN, DK = 8 or 4 channels per chunk) over every third config.
  const SMALL = { maxComputeWorkgroupStorageSize: 12288, maxComputeInvocationsPerWorkgroup: 128 };
  it.each(DWPW_CONFIGS.filter((_, i) => i % 3 === 0).map((c) => [c.name, c] as const))('small device: %s', async (_name, cfg) => {
    const { gpu, pipelines } = await setup();
    const small: GpuContext = { ...gpu, info: { ...gpu.info, limits: { ...gpu.info.limits, ...SMALL } } };
    const { plain, fused, inputs, constants, feeds } = buildDwPw(cfg);
    const want = referenceOf(plain, feeds);
    const tile = planDwPw(dwPwGeometry(fused), small.info.limits);
    if (!tile) {
      await expect(runNodeOnGpu(small, fused, inputs, constants, pipelines, dwPwProgram)).rejects.toThrow(/no tile fits maxComputeWorkgroupStorageSize 12288/);
      return;
    }
    expect((tile.TN / 4) * ((tile.TY * tile.TX) / tile.RP)).toBeLessThanOrEqual(128);
    const [got] = await runNodeOnGpu(small, fused, inputs, constants, pipelines, dwPwProgram);
    const { maxErr, bad } = compare(got!.data, want.data);
    worst.gpu = Math.max(worst.gpu, maxErr);
    if (bad >= 0) expect.fail(`element ${bad}: gpu ${got!.data[bad]}, reference ${want.data[bad]} (max err ${maxErr})`);
  });
});
