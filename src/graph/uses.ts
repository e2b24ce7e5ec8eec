// Who reads and who produces each value of a graph: one walk over the nodes, for every rewrite pass and both
// executors (their liveness: a value's buffer is free once its last reader has run).
import type { Node } from './ir.js';
import type { ResolvedGraph, ResolvedNode } from './resolve.js';

/** Per value name, the indices of the nodes reading it, one entry per input slot (a node reading it twice is there twice). */
export function readersOf(nodes: readonly { readonly node: Node }[]): Map<string, number[]> {
  const readers = new Map<string, number[]>();
  nodes.forEach((rn, k) => {
    for (const i of rn.node.inputs) {
      if (i === '') continue;
      const r = readers.get(i);
      if (r) r.push(k);
      else readers.set(i, [k]);
    }
  });
  return readers;
}

export interface GraphUses {
  /** Per value name, its readers' node indices, one per input slot, in node order. */
  readonly readers: ReadonlyMap<string, readonly number[]>;
  /**
   * Per node index, the runtime values whose last reader it is, in that node's input order; constants and graph
   * outputs are not there (they outlive every run).
   */
  readonly lastUse: ReadonlyMap<number, readonly string[]>;
}

const usesCache = new WeakMap<ResolvedGraph, GraphUses>();

/** The readers and last uses of a resolved graph's values (computed once per graph). */
export function usesOf(rg: ResolvedGraph): GraphUses {
  const cached = usesCache.get(rg);
  if (cached) return cached;
  const readers = readersOf(rg.nodes);
  const outputs = new Set(rg.graph.outputs);
  const lastUse = new Map<number, string[]>();
  rg.nodes.forEach((rn, k) => {
    for (const i of rn.node.inputs) {
      const r = readers.get(i);
      if (!r || r[r.length - 1] !== k || rg.constants.has(i) || outputs.has(i)) continue;
      const names = lastUse.get(k);
      if (!names) lastUse.set(k, [i]);
      else if (!names.includes(i)) names.push(i);
    }
  });
  const uses = { readers, lastUse };
  usesCache.set(rg, uses);
  return uses;
}

const renamed = (names: readonly string[], from: string, to: string) => names.map((n) => (n === from ? to : n));

/**
 * A node list under rewrite, its producer and reader indexes kept current: nodes keep their slot while others
 * are replaced or removed, so a pass walks the list once and each lookup costs the value's reader count.
 */
export class NodeUses {
  private readonly slots: (ResolvedNode | undefined)[];
  /** Per value, reader slot -> how many of its input slots read the value (shared weights have many readers). */
  private readonly readerSlots = new Map<string, Map<number, number>>();
  private readonly producers = new Map<string, number>();

  constructor(nodes: readonly ResolvedNode[]) {
    this.slots = [...nodes];
    this.slots.forEach((rn, k) => this.add(rn!, k));
  }

  /** Slots, removed ones included: walk `for (k < length)` and skip `at(k) === undefined`. */
  get length(): number {
    return this.slots.length;
  }

  at(k: number): ResolvedNode | undefined {
    return this.slots[k];
  }

  /** The slots of the nodes reading `name`, one per input slot, in no set order. */
  readers(name: string): number[] {
    const out: number[] = [];
    for (const [k, n] of this.readerSlots.get(name) ?? []) for (let i = 0; i < n; i++) out.push(k);
    return out;
  }

  /** How many nodes read `name`, each counted once however many of its input slots do (constant time). */
  readerCount(name: string): number {
    return this.readerSlots.get(name)?.size ?? 0;
  }

  /** The slot of the node producing `name`; undefined for graph inputs and constants. */
  producer(name: string): number | undefined {
    return this.producers.get(name);
  }

  set(k: number, rn: ResolvedNode): void {
    const old = this.slots[k];
    if (old) this.drop(old, k);
    this.slots[k] = rn;
    this.add(rn, k);
  }

  remove(k: number): void {
    const old = this.slots[k];
    if (old) this.drop(old, k);
    this.slots[k] = undefined;
  }

  /** Every occurrence of `from`, as a node input or output, becomes `to`. */
  rename(from: string, to: string): void {
    const at = new Set(this.readers(from));
    const p = this.producer(from);
    if (p !== undefined) at.add(p);
    for (const k of at) {
      const rn = this.slots[k]!;
      this.set(k, { ...rn, node: { ...rn.node, inputs: renamed(rn.node.inputs, from, to), outputs: renamed(rn.node.outputs, from, to) } });
    }
  }

  /** The nodes left, in order. */
  nodes(): ResolvedNode[] {
    return this.slots.filter((rn): rn is ResolvedNode => rn !== undefined);
  }

  private add(rn: ResolvedNode, k: number): void {
    for (const i of rn.node.inputs) {
      if (i === '') continue;
      const r = this.readerSlots.get(i);
      if (r) r.set(k, (r.get(k) ?? 0) + 1);
      else this.readerSlots.set(i, new Map([[k, 1]]));
    }
    for (const o of rn.node.outputs) if (o !== '') this.producers.set(o, k);
  }

  private drop(rn: ResolvedNode, k: number): void {
    for (const i of rn.node.inputs) {
      const r = this.readerSlots.get(i);
      const n = r?.get(k);
      if (!n) continue;
      if (n > 1) r!.set(k, n - 1);
      else if (r!.delete(k) && !r!.size) this.readerSlots.delete(i);
    }
    for (const o of rn.node.outputs) if (this.producers.get(o) === k) this.producers.delete(o);
  }
}
