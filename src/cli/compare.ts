import { compareLayer, compareNetwork, formatCompare, formatLayerCompare } from '../summary/compare.js';
import { intFlag, parseArgs, stringFlag, UsageError, type Command } from './args.js';
import { processIo } from './io.js';

const usage = `usage: sepconv compare [--input 128] [--k 3] [--start 32] [--steps 6] [--bias]
       sepconv compare --layer CINxCOUT [--input H] [--k 3] [--stride 1] [--padding P|same|valid] [--bias]

Regular vs depthwise-separable convolution, size (params) and cost (mult-adds).
Without --layer: a pyramid that halves the resolution and doubles the channels
at each step (stride 1, 'same' padding), per step and on average.
With --layer: one layer, e.g. --layer 3x64 --k 5 --stride 2 --input 228 --bias.`;

export const compareCommand: Command = {
  name: 'compare',
  summary: 'regular vs depthwise-separable convolution: params and mult-adds',
  usage,
  async run(args, io = processIo) {
    const p = parseArgs(
      args,
      {
        input: 'string', k: 'string', start: 'string', steps: 'string', bias: 'boolean',
        layer: 'string', stride: 'string', padding: 'string', help: 'boolean', h: 'boolean',
      },
      usage,
    );
    if (p.flags.has('help') || p.flags.has('h')) {
      io.out(usage);
      return 0;
    }
    if (p.positionals.length) throw new UsageError(`unexpected argument "${p.positionals[0]}"`, usage);
    const k = intFlag(p, 'k', 3, usage);
    const bias = p.flags.has('bias');
    const layer = stringFlag(p, 'layer');
    if (layer === undefined) {
      for (const f of ['stride', 'padding']) if (p.flags.has(f)) throw new UsageError(`--${f} needs --layer`, usage);
      const n = compareNetwork({
        inputSize: intFlag(p, 'input', 128, usage),
        k,
        startChannels: intFlag(p, 'start', 32, usage),
        steps: intFlag(p, 'steps', 6, usage),
        bias,
      });
      io.out(formatCompare(n));
      return 0;
    }
    for (const f of ['start', 'steps']) if (p.flags.has(f)) throw new UsageError(`--${f} is for the network comparison, not --layer`, usage);
    const m = /^(\d+)[x,](\d+)$/.exec(layer);
    if (!m) throw new UsageError(`--layer must look like 3x64, got "${layer}"`, usage);
    const pad = stringFlag(p, 'padding') ?? '0';
    let padding: number | 'same' | 'valid';
    if (pad === 'same' || pad === 'valid') padding = pad;
    else if (/^\d+$/.test(pad)) padding = Number(pad);
    else throw new UsageError(`--padding must be a number, same or valid, got "${pad}"`, usage);
    const c = compareLayer(Number(m[1]), Number(m[2]), k, {
      h: p.flags.has('input') ? intFlag(p, 'input', 0, usage) : undefined,
      stride: intFlag(p, 'stride', 1, usage),
      padding,
      bias,
    });
    io.out(formatLayerCompare(c));
    return 0;
  },
};
