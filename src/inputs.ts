import { InputError } from './errors.js';
import type { ResolvedGraph } from './graph/resolve.js';
import { sameShape, shapeStr, sizeOf, type Tensor } from './tensor.js';

/**
 * Checks user inputs against the resolved graph: names, dtype, shape and length, stating expected and received.
 * `elsewhere`: inputs given in another form and checked by the caller (GPU buffers), left out of the result.
 */
export function checkInputs(rg: ResolvedGraph, inputs: Record<string, unknown>, elsewhere: ReadonlySet<string> = new Set()): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const name of Object.keys(inputs))
    if (!rg.inputShapes.has(name))
      throw new InputError(`unknown input "${name}"; expected ${[...rg.inputShapes.keys()].map((n) => `"${n}"`).join(', ')}`);
  for (const [name, shape] of rg.inputShapes) {
    if (elsewhere.has(name)) continue;
    // Own properties only: an input named "constructor" must not find Object's.
    const v = (Object.prototype.hasOwnProperty.call(inputs, name) ? inputs[name] : undefined) as Partial<Tensor> | Float32Array | undefined;
    if (v === undefined || v === null) throw new InputError(`missing input "${name}" of shape ${shapeStr(shape)}`);
    // A bare typed array or array of the wrong kind is described as itself, not as a tensor missing its data.
    const bare = ArrayBuffer.isView(v) || Array.isArray(v);
    const data = v instanceof Float32Array ? v : bare ? v : (v as Partial<Tensor>).data;
    const given = v instanceof Float32Array || bare ? shape : (v as Partial<Tensor>).shape;
    if (!(data instanceof Float32Array))
      throw new InputError(`input "${name}": expected a Float32Array, got ${describe(data)}`);
    if (!Array.isArray(given) || !sameShape(given, shape))
      throw new InputError(`input "${name}": expected shape ${shapeStr(shape)}, got ${Array.isArray(given) ? shapeStr(given) : String(given)}`);
    if (data.length !== sizeOf(shape))
      throw new InputError(`input "${name}": shape ${shapeStr(shape)} needs ${sizeOf(shape)} values, got ${data.length}`);
    out.set(name, { shape, data });
  }
  return out;
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  return (x as object).constructor?.name ?? typeof x;
}
