// src/graph/uses.ts: readers (one per input slot), last uses (constants and graph outputs excluded: they outlive
// a run) and NodeUses, whose indexes must follow every replace, remove and rename.
import { describe, expect, it } from 'vitest';
import type { Graph, Node } from '../src/graph/ir.js';
import { resolve } from '../src/graph/resolve.js';
import { NodeUses, readersOf, usesOf } from '../src/graph/uses.js';
import { tensor } from '../src/tensor.js';

/** x -> Relu a -> Mul(a, a) b -> Add(b, k) c -> Relu d; outputs c and d; k a constant. */
function graph(): Graph {
  const nodes: Node[] = [
    { name: 'r1', op: 'Relu', inputs: ['x'], outputs: ['a'], attrs: {} },
    { name: 'sq', op: 'Mul', inputs: ['a', 'a'], outputs: ['b'], attrs: {} },
    { name: 'add', op: 'Add', inputs: ['b', 'k'], outputs: ['c'], attrs: {} },
    { name: 'r2', op: 'Relu', inputs: ['c'], outputs: ['d'], attrs: {} },
  ];
  return { name: 'g', inputs: [{ name: 'x', shape: [1, 3] }], outputs: ['c', 'd'], nodes, initializers: new Map([['k', tensor([3], [1, 2, 3])]]), opset: 17 };
}

describe('graph uses', () => {
  it('readers: one entry per input slot, in node order, omitted inputs left out', () => {
    const nodes: { node: Node }[] = [...graph().nodes, { name: 'clip', op: 'Clip', inputs: ['a', '', 'k'], outputs: ['e'], attrs: {} }].map((node) => ({ node }));
    const r = readersOf(nodes);
    expect([...r.entries()]).toEqual([['x', [0]], ['a', [1, 1, 4]], ['b', [2]], ['k', [2, 4]], ['c', [3]]]);
  });

  it('last use: per node, the runtime values it reads last; no constant, no graph output', () => {
    const { readers, lastUse } = usesOf(resolve(graph()));
    expect(readers.get('a')).toEqual([1, 1]);
    // x dies at r1 (a graph input is a runtime value); a at sq, once though read twice; b at add; k is a
    // constant and c a graph output (read by r2): neither is released
    expect([...lastUse.entries()]).toEqual([[0, ['x']], [1, ['a']], [2, ['b']]]);
  });

  it('NodeUses: producer and readers follow set, remove and rename', () => {
    const rg = resolve(graph());
    const u = new NodeUses(rg.nodes);
    expect(u.producer('b')).toBe(1);
    // sq reads a twice: two reader slots, one reading node
    expect(u.readers('a')).toEqual([1, 1]);
    expect(u.readerCount('a')).toBe(1);
    expect(u.producer('x')).toBeUndefined();
    expect([...u.readers('b')]).toEqual([2]);
    // drop the Mul, have Add read a directly
    u.remove(1);
    u.rename('b', 'a');
    expect(u.producer('b')).toBeUndefined();
    expect(u.readers('b')).toEqual([]);
    expect([...u.readers('a')]).toEqual([2]);
    expect(u.at(2)!.node.inputs).toEqual(['a', 'k']);
    // a rename reaches the producer's output too
    u.rename('c', 'c2');
    expect(u.producer('c2')).toBe(2);
    expect(u.at(3)!.node.inputs).toEqual(['c2']);
    // replacing a node reindexes its inputs and outputs
    u.set(3, { ...u.at(3)!, node: { ...u.at(3)!.node, inputs: ['a'], outputs: ['d2'] } });
    expect([...u.readers('a')].sort()).toEqual([2, 3]);
    expect(u.readers('c2')).toEqual([]);
    expect(u.producer('d')).toBeUndefined();
    expect(u.producer('d2')).toBe(3);
    expect(u.nodes().map((rn) => rn.node.name)).toEqual(['r1', 'add', 'r2']);
    expect(u.length).toBe(4);
    // the list given is not modified
    expect(rg.nodes.map((rn) => rn.node.inputs.join(','))).toEqual(['x', 'a,a', 'b,k', 'c']);
  });
});
