import { ModelFormatError } from '../errors.js';

/** Levels (dims + block dims) of a sparse tensor sepconv walks; real sparse weights have at most 4 + 2. */
const MAX_LEVELS = 16;

/** One level of a sparse tensor's traversal: DENSE (size entries) or SPARSE_CSR (segments into indices). */
export type SparseLevel = { format: 'dense'; size: number } | { format: 'csr'; segments: number[]; indices: number[] };

/** A tensor's SparsityParameters, read into plain arrays (src/tflite/read.ts). */
export interface Sparsity {
  /** Levels → dims: the first `rank` entries permute the tensor's dims, the rest are block dims (rank + i). */
  readonly traversalOrder: number[];
  /** Block dim i blocks tensor dim blockMap[i]. */
  readonly blockMap: number[];
  /** Per level, in traversal order. */
  readonly levels: SparseLevel[];
}

/**
 * The dense row-major bytes of a sparse constant (TFLite's FormatConverter::SparseToDense): the levels are walked
 * in traversal order, a dense level visiting every index, a CSR level the indices of its segment for the
 * parent's position; each leaf takes the next stored value. Every index, segment and count is checked, so a
 * hostile block is a ModelFormatError naming `where`, never an out-of-bounds read or a walk longer than the
 * stored values and index arrays allow.
 */
export function densify(s: Sparsity, shape: readonly number[], values: Uint8Array, elementBytes: number, where: string): Uint8Array {
  const fail = (m: string) => new ModelFormatError(`TFLite model: ${where}: sparsity ${m}`);
  const rank = shape.length;
  const k = s.blockMap.length;
  const depth = rank + k;
  if (depth > MAX_LEVELS) throw fail(`has ${depth} levels; at most ${MAX_LEVELS} are supported`);
  if (s.traversalOrder.length !== depth || s.levels.length !== depth)
    throw fail(`has ${s.traversalOrder.length} traversal entries and ${s.levels.length} dimension metadata for a rank-${rank} tensor with ${k} block dims; both must be ${depth}`);
  const seen = new Set(s.traversalOrder);
  if (seen.size !== depth || s.traversalOrder.some((d, i) => !(Number.isInteger(d) && (i < rank ? d >= 0 && d < rank : d === i))))
    throw fail(`traversal order [${s.traversalOrder.join(', ')}] must permute the ${rank} dims, then list the block dims ${rank}..${depth - 1} in order`);
  const blocked = [...shape];
  const blockSize = s.blockMap.map((d, i) => {
    const level = s.levels[rank + i]!;
    if (!(Number.isInteger(d) && d >= 0 && d < rank) || s.blockMap.indexOf(d) !== i) throw fail(`block map [${s.blockMap.join(', ')}] must name distinct dims below ${rank}`);
    if (level.format !== 'dense' || !(level.size >= 1) || shape[d]! % level.size !== 0)
      throw fail(`block dim ${rank + i} must be dense with a size dividing dim ${d} (${shape[d]})`);
    blocked[d] = shape[d]! / level.size;
    return level.size;
  });
  // The size of each level's dim, which a dense level must state and a CSR level's indices must stay below.
  const levelSize = s.traversalOrder.map((d, i) => (i < rank ? blocked[d]! : blockSize[i - rank]!));
  s.levels.forEach((l, i) => {
    if (l.format === 'dense' && l.size !== levelSize[i]) throw fail(`level ${i} is dense of size ${l.size}; its dim has ${levelSize[i]}`);
  });

  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const count = values.length / elementBytes;
  const out = new Uint8Array(shape.reduce((a, b) => a * b, 1) * elementBytes);
  const idx = new Array<number>(depth).fill(0);
  let next = 0;
  const leaf = () => {
    if (next >= count) throw fail(`visits more entries than the ${count} stored values`);
    let flat = 0;
    for (let d = 0; d < rank; d++) {
      let v = 0;
      for (let i = 0; i < rank; i++) if (s.traversalOrder[i] === d) v = idx[i]!;
      const b = s.blockMap.indexOf(d);
      if (b >= 0) v = v * blockSize[b]! + idx[rank + b]!;
      flat += v * strides[d]!;
    }
    out.set(values.subarray(next * elementBytes, (next + 1) * elementBytes), flat * elementBytes);
    next++;
  };
  const walk = (level: number, parent: number): void => {
    if (level === depth) return leaf();
    const l = s.levels[level]!;
    if (l.format === 'dense') {
      for (let i = 0; i < l.size; i++) {
        idx[level] = i;
        walk(level + 1, parent * l.size + i);
      }
      return;
    }
    const from = l.segments[parent];
    const to = l.segments[parent + 1];
    if (from === undefined || to === undefined || !(from >= 0 && from <= to && to <= l.indices.length))
      throw fail(`level ${level}: segment ${parent} [${from}, ${to}) is outside its ${l.indices.length} indices (${l.segments.length} segment bounds)`);
    for (let j = from; j < to; j++) {
      const i = l.indices[j]!;
      if (!(i >= 0 && i < levelSize[level]!)) throw fail(`level ${level}: index ${i} is outside its dim of ${levelSize[level]}`);
      idx[level] = i;
      walk(level + 1, j);
    }
  };
  walk(0, 0);
  if (next !== count) throw fail(`visits ${next} entries; the buffer stores ${count} values`);
  return out;
}
