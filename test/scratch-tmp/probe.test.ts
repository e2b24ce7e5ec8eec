import { it } from 'vitest';
import { loadOnnx } from '../../src/onnx/import.js';
import { resolve } from '../../src/graph/resolve.js';
import { runCpu } from '../../src/cpu/run.js';
import { ModelProto, DataType } from '../../src/onnx/proto.js';
import { load } from '../../src/model.js';

function model(graph: Record<string, unknown>, opset = 13): Uint8Array {
  return ModelProto.encode({ ir_version: 7, opset_import: [{ domain: '', version: opset }], graph }).finish();
}
const fin = (name: string, dims: number[]) => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } });
const i64 = (name: string, vals: bigint[]) => ({ name, dims: [vals.length], data_type: DataType.INT64, raw_data: new Uint8Array(BigInt64Array.from(vals).buffer) });
function tryit(label: string, f: () => unknown) {
  const t = performance.now();
  const m0 = process.memoryUsage().arrayBuffers;
  try { const r = f(); console.log(label, 'OK', r); } catch (e) { console.log(label, (e as Error).constructor.name, (e as Error).message.slice(0, 200)); }
  console.log('   ms', (performance.now() - t).toFixed(1), 'ab MB', ((process.memoryUsage().arrayBuffers - m0) / 2 ** 20).toFixed(1));
}
it('probe', async () => {
  for (const shape of [[1000000n, 1000000n], [2n ** 31n - 1n], [2n ** 28n], [65536n, 65536n]])
    tryit('cos ' + shape, () => {
      const g = loadOnnx(model({ node: [{ op_type: 'ConstantOfShape', input: ['s'], output: ['y'] }], initializer: [i64('s', shape)], output: [{ name: 'y' }] }));
      const rg = resolve(g);
      return rg.shapes.get('y');
    });
  tryit('pad', () => {
    const g = loadOnnx(model({ node: [{ op_type: 'Pad', input: ['x', 'p'], output: ['y'] }], input: [fin('x', [1, 1, 2, 2])], initializer: [i64('p', [0n, 0n, 1000000000n, 1000000000n, 0n, 0n, 1000000000n, 1000000000n])], output: [{ name: 'y' }] }));
    const rg = resolve(g);
    return runCpu(rg, { x: new Float32Array(4) });
  });
  for (const nm of ['constructor', '__proto__', 'toString'])
    tryit('name ' + nm, () => {
      const g = loadOnnx(model({ node: [{ op_type: 'Relu', input: [nm], output: ['y'] }], input: [fin(nm, [1, 2])], output: [{ name: 'y' }] }));
      const rg = resolve(g);
      return [...runCpu(rg, { [nm]: new Float32Array(2) }).values()];
    });
  tryit('name constructor missing', () => {
    const g = loadOnnx(model({ node: [{ op_type: 'Relu', input: ['constructor'], output: ['y'] }], input: [fin('constructor', [1, 2])], output: [{ name: 'y' }] }));
    const rg = resolve(g);
    return [...runCpu(rg, {}).values()];
  });
  tryit('huge input conv', () => {
    const g = loadOnnx(model({ node: [{ op_type: 'Relu', input: ['x'], output: ['y'] }], input: [fin('x', [2 ** 31 - 1, 2 ** 31 - 1])], output: [{ name: 'y' }] }));
    const rg = resolve(g);
    return rg.shapes.get('y');
  });
});
