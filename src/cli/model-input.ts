import { InputError } from '../errors.js';
import type { Graph } from '../graph/ir.js';
import { readNpy } from '../io/npy.js';
import { importModel, type ModelIo } from '../model.js';
import type { Shape, Tensor } from '../tensor.js';
import { readBytes } from './io.js';

/**
 * The graph of a model file, ONNX, TF.js model.json (shards read next to it), .tflite or .task, told from the content
 * as load() tells it. TF.js and TFLite graphs come with their API-level I/O description and concrete (NHWC)
 * input shapes.
 */
export async function readModelFile(path: string, inputShapes: Record<string, Shape> = {}): Promise<{ graph: Graph; io?: ModelIo }> {
  return importModel(path, { inputShapes, bytes: await readBytes(path) });
}

/** An output name as a file name: every character outside [A-Za-z0-9_.-] becomes '_'. */
export function outputFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${safe === '.' || safe === '..' || safe === '' ? `_${safe}` : safe}.npy`;
}

/** The graph's single input from a .npy file, or seeded uniform [-1, 1) data of its declared shape. */
export async function modelInput(graph: Graph, npyPath: string | undefined, intInput = false): Promise<{ name: string; tensor: Tensor }> {
  if (graph.inputs.length !== 1)
    throw new InputError(`the CLI feeds models with one input; this one has ${graph.inputs.length}: ${graph.inputs.map((i) => i.name).join(', ')}`);
  const inp = graph.inputs[0]!;
  if (npyPath) return { name: inp.name, tensor: readNpy(await readBytes(npyPath), npyPath) };
  if (inp.shape.some((d) => typeof d !== 'number' || d <= 0))
    throw new InputError(`input "${inp.name}" has symbolic shape [${inp.shape.join(', ')}]; pass --input x.npy`);
  const shape = inp.shape as number[];
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    // int32 inputs (TF.js MoveNet's pixels) get integers 0..255
    data[i] = intInput ? Math.floor((s / 2 ** 32) * 256) : (s / 2 ** 32) * 2 - 1;
  }
  return { name: inp.name, tensor: { shape, data } };
}
