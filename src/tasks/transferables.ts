// What a step's argument or result can move to or from the task worker instead of copying.
/** The ArrayBuffers under the typed arrays of a step's argument or result (a few levels deep), each once. */
export function transferables(x: unknown, out = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (ArrayBuffer.isView(x)) {
    if (x.buffer instanceof ArrayBuffer) out.add(x.buffer);
  } else if (typeof x === 'object' && x !== null && depth < 4) {
    for (const v of Array.isArray(x) ? x : Object.values(x)) transferables(v, out, depth + 1);
  }
  return [...out];
}
