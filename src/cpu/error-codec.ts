/**
 * Errors across a worker boundary. Structured clone keeps only an Error's message (and, in some engines, its
 * name), so a typed error thrown in the CPU worker is sent as plain data and rebuilt on the caller's side as an
 * instance of the same class (errors.ts), with the same code, message and fields (node, op, unsupported...).
 */
import { GpuError, InputError, ModelFormatError, SepconvError, ShapeError, UnsupportedOpError, WorkerError } from '../errors.js';

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** Own enumerable fields (code, node, op, unsupported, ...), already structured-clonable. */
  fields: Record<string, unknown>;
}

const CLASSES: Record<string, new (...a: never[]) => Error> = {
  SepconvError, ModelFormatError, UnsupportedOpError, ShapeError, InputError, GpuError, WorkerError,
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
};

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'name' || k === 'message' || k === 'stack') continue;
    try {
      structuredClone(v);
      fields[k] = v;
    } catch {
      // a field that cannot cross (a function, a GPU object) is left behind
    }
  }
  return { name: e.name, message: e.message, stack: e.stack, fields };
}

/** The error as the caller's side sees it: same class where errors.ts (or the language) has it, else Error. */
export function reviveError(s: SerializedError): Error {
  const cls = Object.prototype.hasOwnProperty.call(CLASSES, s.name) ? CLASSES[s.name]! : Error;
  const e = Object.create(cls.prototype) as Error;
  Object.defineProperty(e, 'message', { value: s.message, writable: true, configurable: true });
  Object.defineProperty(e, 'stack', { value: s.stack ?? `${s.name}: ${s.message}`, writable: true, configurable: true });
  Object.assign(e, s.fields);
  // SepconvError sets name as an own field; the built-ins keep it on the prototype
  if (e.name !== s.name) Object.defineProperty(e, 'name', { value: s.name, writable: true, configurable: true, enumerable: true });
  return e;
}
