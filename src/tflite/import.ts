import { ModelFormatError, UnsupportedOpError } from '../errors.js';
import type { Graph } from '../graph/ir.js';
import type { Shape } from '../tensor.js';
import { TfBuilder, type TfDtype, type TfTensor } from '../tf/index.js';
import { CUSTOM_OPS } from './custom.js';
import { ALL_BUILTINS } from './builtins.js';
import type { Lowering, OpCtx } from './ops.js';
import { readTflite, tensorTypeName, type TfliteFile, type TfliteOperator, type TfliteTensor } from './read.js';
import { BuiltinOperator, TensorType } from './schema/tflite_generated.js';
import { DEQUANTIZE_RUNTIME, dequantizeInput, fakeQuantize, isQuantizedType, needsRequantize, QUANTIZE, quantizedTensorProblem, quantizeOutput } from './quant.js';
import { constantValues, dequantize, isFloatType } from './values.js';

export { hasTfliteIdentifier, readTflite } from './read.js';

export interface LoadTfliteOptions {
  /** Concrete NHWC shapes for inputs, by tensor name (default: the shapes in the file). */
  inputShapes?: Record<string, Shape>;
}

type Unsupported = { op: string; node: string; reason?: string };

/** Types a runtime (non-constant) tensor may have: activations are float32 in the engine, int32 for indices. */
const RUNTIME_DTYPE: Partial<Record<TensorType, TfDtype>> = {
  [TensorType.FLOAT32]: 'float32',
  [TensorType.INT32]: 'int32',
  [TensorType.INT64]: 'int32',
  [TensorType.BOOL]: 'bool',
};

/** Why a runtime tensor's type cannot be run, or undefined (quantized int8/uint8 ones run in float: quant.ts). */
function runtimeTypeProblem(t: TfliteTensor): string | undefined {
  if (RUNTIME_DTYPE[t.type] !== undefined) return undefined;
  return isQuantizedType(t.type) || t.quantization ? quantizedTensorProblem(t) : `${tensorTypeName(t.type)} tensors are not supported at run time`;
}

/** The dtype the API shows: quantized int8/uint8 inputs and outputs carry their integers q. */
const apiDtype = (t: TfliteTensor): TfDtype => RUNTIME_DTYPE[t.type] ?? 'int32';

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function tensorLabel(t: TfliteTensor): string {
  return `tensor #${t.index} "${t.name}"`;
}

function opLabel(op: TfliteOperator): string {
  return `operator #${op.index} (${op.opName})`;
}

/** The lowering of an operator, or why there is none. */
function loweringOf(op: TfliteOperator, file: TfliteFile): Lowering | string {
  if (op.code === BuiltinOperator.QUANTIZE) return QUANTIZE;
  if (op.code === BuiltinOperator.DEQUANTIZE && op.inputs[0] !== undefined && op.inputs[0] >= 0 && !file.tensors[op.inputs[0]]?.data) return DEQUANTIZE_RUNTIME;
  if (op.code === BuiltinOperator.CUSTOM) return CUSTOM_OPS.get(op.opName) ?? `custom operator "${op.opName}" is not implemented`;
  return ALL_BUILTINS[op.code as BuiltinOperator] ?? 'the builtin operator is not implemented';
}

/** Every reason the file cannot run, listed at once (before any lowering). */
function unsupportedOf(file: TfliteFile): Unsupported[] {
  const out: Unsupported[] = [];
  const node = (op: TfliteOperator) => file.tensors[op.outputs[0] ?? -1]?.name ?? `#${op.index}`;
  // Outputs of operators on constants only (DENSIFY of a sparse float16 weight…) are folded at load; their type
  // need not be a runtime one.
  const folded = new Set(file.tensors.flatMap((t) => (t.data ? [t.index] : [])));
  for (const op of file.operators) {
    const l = loweringOf(op, file);
    const name = op.code === BuiltinOperator.CUSTOM ? `CUSTOM ${op.opName}` : op.opName;
    if (typeof l === 'string') out.push({ op: name, node: node(op), reason: l });
    const onConstants = op.inputs.every((i) => i < 0 || folded.has(i));
    for (const o of op.outputs) {
      const t = file.tensors[o]!;
      if (onConstants) folded.add(o);
      else {
        const problem = runtimeTypeProblem(t);
        if (problem) out.push({ op: name, node: node(op), reason: `output ${tensorLabel(t)} (${tensorTypeName(t.type)}): ${problem}` });
      }
    }
  }
  for (const t of file.tensors) {
    if (t.isVariable) out.push({ op: 'variable tensor', node: t.name, reason: 'variable (stateful) tensors are not supported' });
  }
  for (const i of file.inputs) {
    const t = file.tensors[i]!;
    const problem = runtimeTypeProblem(t);
    if (problem) out.push({ op: 'input', node: t.name, reason: `the input (${tensorTypeName(t.type)}): ${problem}` });
  }
  return out;
}

/**
 * Decodes a .tflite model (the main subgraph) into the engine's Graph through the shared TF lowering: NHWC in
 * and out at the API, output names = the flatbuffer's tensor names. Throws ModelFormatError for malformed
 * files (naming the tensor or operator) and one UnsupportedOpError listing everything it cannot run.
 */
export function loadTflite(bytes: Uint8Array | ArrayBuffer, opts: LoadTfliteOptions = {}): Graph {
  return toGraph(readTflite(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)), opts);
}

/** A .tflite model as `load()` takes it: the graph (shapes baked in) and the NHWC I/O the file declares. */
export function importTflite(bytes: Uint8Array, inputShapes: Record<string, Shape> = {}) {
  const file = readTflite(bytes);
  const graph = toGraph(file, { inputShapes });
  const shapes = new Map(graph.inputs.map((i) => [i.name, i.shape.map(Number)]));
  const io = (i: number) => {
    const t = file.tensors[i]!;
    return { name: t.name, shape: shapes.get(t.name) ?? [...t.shape], dtype: apiDtype(t) };
  };
  return { graph, io: { format: 'tflite' as const, inputs: file.inputs.map(io), outputs: file.outputs.map(io) }, inputShapes: {} };
}

function toGraph(file: TfliteFile, opts: LoadTfliteOptions): Graph {
  const unsupported = unsupportedOf(file);
  if (unsupported.length) throw new UnsupportedOpError(unsupported);

  const b = new TfBuilder(file.description || 'tflite');
  const defined = new Map<number, TfTensor>();
  const overridden = Object.keys(opts.inputShapes ?? {}).length > 0;

  for (const i of file.inputs) {
    const t = file.tensors[i]!;
    if (t.data) throw new ModelFormatError(`TFLite model: subgraph input ${tensorLabel(t)} is a constant`);
    if (defined.has(i)) throw new ModelFormatError(`TFLite model: ${tensorLabel(t)} is listed twice as a subgraph input`);
    const given = Object.prototype.hasOwnProperty.call(opts.inputShapes ?? {}, t.name) ? opts.inputShapes![t.name]! : t.shape;
    const x = b.input(t.name, given, apiDtype(t));
    defined.set(i, isQuantizedType(t.type) ? dequantizeInput(b, { ...x, dtype: 'float32' }, t) : x);
  }

  const constant = (t: TfliteTensor): TfTensor => {
    let c: TfTensor;
    if (isFloatType(t.type)) c = b.constant(t.name, t.shape, constantValues(t));
    else if (t.quantization) c = b.constant(t.name, t.shape, dequantize(t));
    else c = b.constant(t.name, t.shape, constantValues(t), t.type === TensorType.BOOL ? 'bool' : 'int32');
    defined.set(t.index, c);
    return c;
  };

  for (const op of file.operators) {
    const where = opLabel(op);
    for (const o of op.outputs) {
      const t = file.tensors[o]!;
      if (defined.has(o) || t.data) throw new ModelFormatError(`TFLite model: ${where} writes ${tensorLabel(t)}, which is already ${t.data ? 'a constant' : 'defined'}`);
    }
    if (op.outputs.length === 0) throw new ModelFormatError(`TFLite model: ${where} has no outputs`);
    const base = file.tensors[op.outputs[0]!]!.name;
    const info = (list: number[], k: number, what: string) => {
      const idx = list[k];
      if (idx === undefined || idx < 0) throw new ModelFormatError(`TFLite model: ${where}: ${what} #${k} is missing`);
      return file.tensors[idx]!;
    };
    const ctx: OpCtx = {
      b,
      op,
      base,
      input(k) {
        const t = info(op.inputs, k, 'input');
        const d = defined.get(t.index);
        if (d) return d;
        if (t.data) return constant(t);
        throw new ModelFormatError(`TFLite model: ${where} reads ${tensorLabel(t)} before any operator writes it (operators out of order, or a cycle)`);
      },
      optional(k) {
        const idx = op.inputs[k];
        return idx === undefined || idx < 0 ? undefined : this.input(k);
      },
      inputInfo: (k) => info(op.inputs, k, 'input'),
      outputInfo: (k) => info(op.outputs, k, 'output'),
      ints(k) {
        return b.constInts(this.input(k), `${op.opName} "${base}" input #${k}`);
      },
      fail: (message) => new ModelFormatError(`TFLite model: ${where} "${base}": ${message}`),
    };
    const lowering = loweringOf(op, file) as Lowering;
    const results = lowering(ctx);
    if (results.length !== op.outputs.length)
      throw new ModelFormatError(`TFLite model: ${where} has ${op.outputs.length} outputs; the op gives ${results.length}`);
    results.forEach((r, k) => {
      const t = file.tensors[op.outputs[k]!]!;
      if (!overridden && !sameShape(r.shape, t.shape))
        throw new ModelFormatError(`TFLite model: ${where}: output ${tensorLabel(t)} is declared [${t.shape.join(', ')}] but the op gives [${r.shape.join(', ')}]`);
      const input = op.inputs[0] !== undefined && op.inputs[0] >= 0 ? file.tensors[op.inputs[0]] : undefined;
      // outputs folded from constants skip the runtime type check, yet are fake-quantized with their parameters
      if (isQuantizedType(t.type) && !t.quantization?.scale.length)
        throw new ModelFormatError(`TFLite model: ${where}: output ${tensorLabel(t)} is ${tensorTypeName(t.type)} without quantization parameters`);
      defined.set(t.index, isQuantizedType(t.type) && needsRequantize(op.code, input, t) ? fakeQuantize(b, t.name, r, t) : r);
    });
  }

  const outputs = file.outputs.map((o) => {
    const t = file.tensors[o]!;
    const d = defined.get(o) ?? (t.data ? constant(t) : undefined);
    if (!d) throw new ModelFormatError(`TFLite model: subgraph output ${tensorLabel(t)} is never written`);
    return { name: t.name, tensor: isQuantizedType(t.type) && !t.data ? quantizeOutput(b, d, t) : d };
  });
  return b.finish(outputs);
}
