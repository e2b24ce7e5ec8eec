import { writeFile } from 'node:fs/promises';
import { writeNpy } from '../io/npy.js';
import { load, type Backend } from '../model.js';
import { loadOnnx } from '../onnx/import.js';
import { shapeStr } from '../tensor.js';
import { parseArgs, UsageError, type Command } from './args.js';
import { processIo, readBytes } from './io.js';
import { modelInput } from './model-input.js';

const usage = `usage: sepconv run <model.onnx> [--input x.npy] [--output y.npy] [--backend webgpu|cpu|auto] [--runs N] [--profile]

Runs the model (float32 .npy in, C order) on the chosen backend and prints the backend
used and why, load time, first-run and steady timings, and the output's shape.
--profile adds per-layer times (GPU timestamps where the adapter has timestamp-query).`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run an ONNX model on .npy input with the chosen backend',
  usage,
  async run(args, io = processIo) {
    const p = parseArgs(args, { input: 'string', output: 'string', backend: 'string', runs: 'string', profile: 'boolean', help: 'boolean', h: 'boolean' }, usage);
    if (p.flags.has('help') || p.flags.has('h')) {
      io.out(usage);
      return 0;
    }
    if (p.positionals.length !== 1) throw new UsageError('expected exactly one model file', usage);
    const backend = (p.flags.get('backend') as string | undefined) ?? 'auto';
    if (!['webgpu', 'cpu', 'auto'].includes(backend)) throw new UsageError(`--backend must be webgpu, cpu or auto, got ${backend}`, usage);
    const runs = Number(p.flags.get('runs') ?? 5);
    if (!Number.isInteger(runs) || runs < 1) throw new UsageError('--runs must be a positive integer', usage);
    const t0 = performance.now();
    const graph = loadOnnx(await readBytes(p.positionals[0]!));
    const { name, tensor } = await modelInput(graph, p.flags.get('input') as string | undefined);
    const model = await load(graph, { backend: backend as Backend | 'auto', inputShapes: { [name]: tensor.shape } });
    const tLoad = performance.now() - t0;
    try {
      let out = await model.run({ [name]: tensor });
      const tFirst = performance.now() - t0;
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = performance.now();
        out = await model.run({ [name]: tensor });
        times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      io.out(`backend: ${model.backend} (${model.reason})`);
      io.out(`load: ${tLoad.toFixed(1)} ms, first result: ${tFirst.toFixed(1)} ms, steady median of ${runs}: ${times[runs >> 1]!.toFixed(2)} ms (min ${times[0]!.toFixed(2)} ms)`);
      for (const [k, v] of out) io.out(`output ${k}: ${shapeStr(v.shape)}`);
      if (p.flags.has('profile')) {
        const { profile } = await model.profile({ [name]: tensor });
        const total = profile.layers.reduce((a, l) => a + l.ms, 0);
        io.out(`per-layer times (${profile.source}), total ${total.toFixed(2)} ms:`);
        for (const l of profile.layers)
          io.out(`  ${l.op.padEnd(20)} ${l.node.padEnd(40)} ${l.ms.toFixed(3).padStart(9)} ms ${((100 * l.ms) / total).toFixed(1).padStart(5)} %`);
      }
      const outPath = p.flags.get('output') as string | undefined;
      if (outPath) {
        const first = out.values().next().value!;
        await writeFile(outPath, writeNpy(first));
        io.out(`wrote ${outPath}`);
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
};
