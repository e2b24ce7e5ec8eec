import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../io/npy.js';
import { loadImported, type Backend } from '../model.js';
import { shapeStr } from '../tensor.js';
import { parseArgs, UsageError, type Command } from './args.js';
import { processIo, readBytes } from './io.js';
import { modelInput, outputFileName, readModelFile } from './model-input.js';

const usage = `usage: sepconv run <model.onnx|model.json|model.tflite> [--input x.npy] [--output y.npy] [--output-dir DIR]
                   [--backend webgpu|cpu|auto] [--runs N] [--profile]

Runs the model (.npy in, C order: float32, or int32 '<i4' for int32 inputs) on the chosen backend and
prints the backend used and why, load time, first-run and steady timings, and the outputs' shapes.
TF.js graph models (model.json, shards next to it) and .tflite models take and give NHWC tensors, as TF.js
and TFLite do.
--output writes the first output; --output-dir writes every output as DIR/<name>.npy, <name> being the
output's name (TF.js: model.outputs[i].name; TFLite: the output tensor's name) with characters outside [A-Za-z0-9_.-] replaced by '_';
int32 outputs are written as '<i4'.
--profile adds per-layer times (GPU timestamps where the adapter has timestamp-query).`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run an ONNX model on .npy input with the chosen backend',
  usage,
  async run(args, io = processIo) {
    const p = parseArgs(args, { input: 'string', output: 'string', 'output-dir': 'string', backend: 'string', runs: 'string', profile: 'boolean', help: 'boolean', h: 'boolean' }, usage);
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
    const npyPath = p.flags.get('input') as string | undefined;
    // A TF.js graph is built for concrete shapes: take the .npy's shape when there is one.
    const npy = npyPath ? readNpy(await readBytes(npyPath), npyPath) : undefined;
    // TF.js and TFLite graphs come with their NHWC I/O description
    const read = (shapes?: Record<string, number[]>) => readModelFile(p.positionals[0]!, shapes);
    let { graph, io: modelIo } = await read();
    if (modelIo && npy && modelIo.inputs.length === 1 && shapeStr(modelIo.inputs[0]!.shape) !== shapeStr(npy.shape))
      ({ graph, io: modelIo } = await read({ [modelIo.inputs[0]!.name]: [...npy.shape] }));
    const { name, tensor } = npy ? { name: graph.inputs[0]?.name ?? '', tensor: npy } : await modelInput(graph, undefined, modelIo?.inputs[0]?.dtype === 'int32');
    if (npy) await modelInput(graph, npyPath); // the one-input check and its message
    const model = await loadImported(graph, modelIo, { backend: backend as Backend | 'auto', inputShapes: modelIo ? {} : { [name]: tensor.shape } });
    const tLoad = performance.now() - t0;
    try {
      let out = await model.predict({ [name]: tensor });
      const tFirst = performance.now() - t0;
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = performance.now();
        out = await model.predict({ [name]: tensor });
        times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      io.out(`backend: ${model.backend} (${model.reason})`);
      io.out(`load: ${tLoad.toFixed(1)} ms, first result: ${tFirst.toFixed(1)} ms, steady median of ${runs}: ${times[runs >> 1]!.toFixed(2)} ms (min ${times[0]!.toFixed(2)} ms)`);
      for (const [k, v] of out) io.out(`output ${k}: ${shapeStr(v.shape)}${v.data instanceof Int32Array ? ' int32' : ''}`);
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
      const dir = p.flags.get('output-dir') as string | undefined;
      if (dir) {
        await mkdir(dir, { recursive: true });
        const written = new Set<string>();
        for (const [k, v] of out) {
          let file = outputFileName(k);
          // two names can sanitise alike ("a/b", "a_b"): keep both, numbered
          for (let n = 2; written.has(file); n++) file = outputFileName(`${k}_${n}`);
          written.add(file);
          await writeFile(join(dir, file), writeNpy(v));
          io.out(`wrote ${join(dir, file)}`);
        }
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
};
