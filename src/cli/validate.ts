import { GpuError } from '../errors.js';
import { requestGpu, type GpuContext } from '../gpu/device.js';
import type { Graph } from '../graph/ir.js';
import type { Tensor } from '../tensor.js';
import { DEFAULT_TOLERANCE, formatValidation, validate, type Tolerance, type ValidateOptions } from '../validate.js';
import { parseArgs, UsageError, type Command } from './args.js';
import { processIo, type CliIo } from './io.js';
import { modelInput, readModelFile } from './model-input.js';

const usage = `usage: sepconv validate <model.onnx|model.json|model.tflite> [--input x.npy] [--atol ${DEFAULT_TOLERANCE.atol}] [--rtol ${DEFAULT_TOLERANCE.rtol}] [--no-optimize] [--steady]

Runs every layer on WebGPU and on the CPU reference with the same inputs and prints,
per layer, the max abs / rel error and where the worst element is. Exits 1 when a
layer fails |gpu - ref| <= atol + rtol*|ref|. Without --input, seeded random data
of the model's declared input shape is used.

The graph validated is the optimised one that \`sepconv run\` executes (BatchNorm folded,
activations and residual Adds fused into the conv epilogues); --no-optimize validates
the graph as exported instead. Each layer runs the kernels a model's first calls use; --steady
runs the ones later calls use once the exact kernels have swapped in (unrolled, literal
weights, Winograd: seconds of compile on a software adapter). The first line of the
report says which graph and which kernels.`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'compare every layer on WebGPU against the CPU reference',
  usage,
  async run(args, io = processIo) {
    const p = parseArgs(args, { input: 'string', atol: 'string', rtol: 'string', 'no-optimize': 'boolean', steady: 'boolean', help: 'boolean', h: 'boolean' }, usage);
    if (p.flags.has('help') || p.flags.has('h')) {
      io.out(usage);
      return 0;
    }
    if (p.positionals.length !== 1) throw new UsageError('expected exactly one model file', usage);
    const num = (k: string, d: number) => {
      const v = p.flags.get(k);
      if (v === undefined) return d;
      const x = Number(v);
      if (!Number.isFinite(x) || x < 0) throw new UsageError(`--${k} must be a non-negative number, got ${String(v)}`, usage);
      return x;
    };
    const tolerance = { atol: num('atol', DEFAULT_TOLERANCE.atol), rtol: num('rtol', DEFAULT_TOLERANCE.rtol) };
    const { graph } = await readModelFile(p.positionals[0]!);
    const { name, tensor } = await modelInput(graph, p.flags.get('input') as string | undefined);
    const gpu = await requestGpu();
    if (!gpu) throw new GpuError('no WebGPU adapter: validation needs one (in Node, the `webgpu` package and a Vulkan driver)', 'GPU_UNAVAILABLE');
    try {
      return await validateAndReport(gpu, graph, { [name]: tensor }, tolerance, io, { optimize: !p.flags.has('no-optimize'), kernels: p.flags.has('steady') ? 'steady' : 'first' });
    } finally {
      gpu.device.destroy();
    }
  },
};

/** Prints the per-layer report and returns the exit code (1 when a layer fails). `programs` swaps GPU programs (tests). */
export async function validateAndReport(
  gpu: GpuContext,
  graph: Graph,
  inputs: Record<string, Tensor>,
  tolerance: Tolerance,
  io: CliIo,
  opts: Pick<ValidateOptions, 'optimize' | 'programs' | 'kernels'> = {},
): Promise<number> {
  io.out(`adapter: ${[gpu.info.vendor, gpu.info.architecture, gpu.info.description].filter(Boolean).join(' ')}${gpu.info.isSoftware ? ' (software)' : ''}`);
  const report = await validate(graph, { inputs, tolerance, gpu, ...opts });
  io.out(formatValidation(report));
  return report.pass ? 0 : 1;
}
