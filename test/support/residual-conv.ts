// One conv with a fused residual (attrs.residual, the residual bound as input 3) run through the registry's Conv
// program, against Conv.reference.
import type { GpuContext } from '../../src/gpu/device.js';
import { PipelineCache } from '../../src/gpu/pipelines.js';
import { convProgram } from '../../src/gpu/programs/conv.gpu.js';
import type { Value } from '../../src/graph/ir.js';
import type { FusedActivation } from '../../src/ops/activation.js';
import { Conv, type ConvAttrs } from '../../src/ops/conv.js';
import type { Tensor } from '../../src/tensor.js';
import { build, randomTensor, rng, type Config } from './conv-sweep.js';
import { runProgram } from './run-program.js';

/**
 * `post`: an activation after the residual (ConvAttrs.post). The upgraded kernels, or with `first` the first call's;
 * the output in ONNX layout, the reference, the residual and the pipeline keys made (a fresh cache).
 */
export async function runResidualConv(
  gpu: GpuContext, cfg: Config, post: FusedActivation | undefined, first = false,
): Promise<{ got: Float32Array; want: Float32Array; res: Float32Array; keys: string[] }> {
  const pipelines = new PipelineCache(gpu.device);
  const { rn: plain, inputs } = build(cfg);
  const attrs: ConvAttrs = { ...(plain.attrs as ConvAttrs), residual: true, ...(post ? { post } : {}) };
  const shape = plain.outputShapes[0]!;
  // unit-scale like the conv: the two roughly cancel in places, so both sides of an activation's kinks are hit
  const res = randomTensor(shape, rng(cfg.seed + 1));
  const ins: Value[] = [inputs[0]!, inputs[1]!, inputs[2] ?? { shape: [1], data: new Float32Array(1) }, res];
  const rn = { ...plain, attrs, node: { ...plain.node, inputs: [...plain.node.inputs.slice(0, 2), plain.node.inputs[2] ?? '', 'res'] }, inputShapes: [...plain.inputShapes.slice(0, 3), shape] };
  const want = (Conv.reference(ins, attrs)[0] as Tensor).data;
  const constants = [undefined, ins[1], cfg.bias ? ins[2] : undefined, undefined];
  const { y: got } = await runProgram(gpu, convProgram(), rn, ins, pipelines, constants, first);
  return { got, want, res: res.data, keys: pipelines.keys };
}
