import { InputError } from '../errors.js';
import { formatSummary } from '../summary/format.js';
import { summary } from '../summary/summary.js';
import { parseArgs, parseInputShapes, UsageError, type Command } from './args.js';
import { processIo } from './io.js';
import { readModelFile } from './model-input.js';

const usage = `usage: sepconv summary <model.onnx|model.json> [--input-shape 1x3x224x224]

Prints each layer's output shape, parameters and mult-adds, and torchinfo's
totals (params, mult-adds, input / forward-backward / params / total size in MB).

  --input-shape SHAPE        concrete input shape (needed when the model's is symbolic);
                             name=SHAPE per input for models with several, repeatable`;

export const summaryCommand: Command = {
  name: 'summary',
  summary: 'parameters, mult-adds and memory of an ONNX model, like torchinfo',
  usage,
  async run(args, io = processIo) {
    const p = parseArgs(args, { 'input-shape': 'string[]', help: 'boolean', h: 'boolean' }, usage);
    if (p.flags.has('help') || p.flags.has('h')) {
      io.out(usage);
      return 0;
    }
    if (p.positionals.length !== 1) throw new UsageError('expected exactly one model file', usage);
    const shapes = parseInputShapes((p.flags.get('input-shape') as string[] | undefined) ?? [], usage);
    let { graph, io: modelIo } = await readModelFile(p.positionals[0]!);
    const tfjs = modelIo?.format === 'tfjs';
    // A TF.js graph is built for concrete (NHWC) shapes: rebuild it for the ones asked for.
    if (tfjs && shapes !== undefined)
      ({ graph } = await readModelFile(p.positionals[0]!, Array.isArray(shapes) ? { [modelIo!.inputs[0]?.name ?? '']: shapes as number[] } : (shapes as Record<string, number[]>)));
    const symbolic = graph.inputs.find((i) => i.shape.some((d) => typeof d !== 'number' || d <= 0));
    if (shapes === undefined && symbolic) {
      const hint = symbolic.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1)).join('x');
      throw new InputError(
        `input "${symbolic.name}" has symbolic shape [${symbolic.shape.join(', ')}]; pass a concrete one, e.g. --input-shape ${graph.inputs.length > 1 ? `${symbolic.name}=` : ''}${hint}`,
      );
    }
    io.out(formatSummary(summary(graph, tfjs ? undefined : shapes)));
    return 0;
  },
};
