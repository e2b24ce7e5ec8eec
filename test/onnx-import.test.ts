import { describe, expect, it } from 'vitest';
import { ModelFormatError, UnsupportedOpError } from '../src/errors.js';
import { intTensor, isInt, type Graph, type IntTensor, type Value } from '../src/graph/ir.js';
import { encodeOnnx } from '../src/onnx/export.js';
import { loadOnnx } from '../src/onnx/import.js';
import { AttrType, DataType, decodeModelProto } from '../src/onnx/proto.js';
import { encodeModelProto } from '../src/onnx/proto-encode.js';
import { tensorFromProto } from '../src/onnx/tensor.js';
import { tensor, type Tensor } from '../src/tensor.js';

const b64 = (s: string) => Uint8Array.from(Buffer.from(s, 'base64'));

/**
 * Written by onnx 1.12's helper (IR 3, opset 8): x[batch_size,1,2,?] -> Conv(W float_data, B raw_data) -> Relu
 * -> Reshape(S int64_data = [0, -1]) -> y. W, B and S are also listed as graph inputs, as old exporters did.
 */
const LEGACY_OPSET8 = b64(
  'CAMSC29ubngtaGVscGVyOqYCCjcKAXgKAVcKAUISAWMiBENvbnYqDAoFZ3JvdXAYAaABAioVCgxrZXJuZWxfc2hhcGVAAUABoAEHCgwKAWMSAXIiBFJlbHUKEgoBcgoBUxIBeSIHUmVzaGFwZRIGbGVnYWN5KhcIAggBCAEIARABIggAAAA/AAAAwEIBVyoRCAIQAUIBQkoIAACAPwAAgD4qFAgCEAc6CwD///////////8BQgFTWiMKAXgSHgocCAESGAoMEgpiYXRjaF9zaXplCgIIAQoCCAIKAFobCgFXEhYKFAgBEhAKAggCCgIIAQoCCAEKAggBWg8KAUISCgoICAESBAoCCAJaDwoBUxIKCggIBxIECgIIAmIbCgF5EhYKFAgBEhAKDBIKYmF0Y2hfc2l6ZQoAQgQKABAI',
);

const F32 = DataType.FLOAT;
// As numbers: the encoder writes 2^63 (INT64_MAX's nearest double) as INT64_MAX; -2^63 is INT64_MIN exactly.
const INT64_MAX = 2 ** 63;
const INT64_MIN = -(2 ** 63);

/** Encodes a hand-written ModelProto (plain object) with the default-domain opset. */
function model(graph: Record<string, unknown> | undefined, opset: number | { domain: string; version: number }[] = 13): Uint8Array {
  const opset_import = typeof opset === 'number' ? [{ domain: '', version: opset }] : opset;
  return encodeModelProto({ ir_version: 7, opset_import, ...(graph ? { graph } : {}) });
}

function floatInput(name: string, dims: (number | string | null)[]) {
  const dim = dims.map((d) => (d === null ? {} : typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: F32, shape: { dim } } } };
}

/** A one-node graph (Identity of an initializer) so a single TensorProto can be loaded through loadOnnx. */
function withInitializer(t: Record<string, unknown>): Uint8Array {
  return model({
    name: 'g',
    node: [{ op_type: 'Identity', input: [t.name], output: ['y'] }],
    initializer: [t],
    output: [{ name: 'y' }],
  });
}

function initializerOf(bytes: Uint8Array, name: string): Value {
  const v = loadOnnx(bytes).initializers.get(name);
  if (!v) throw new Error(`no initializer ${name}`);
  return v;
}

function raw(bytes: ArrayBufferView): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function catchError(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/** A depthwise-separable block using every attribute kind the IR can hold. */
function sampleGraph(opset = 13): Graph {
  return {
    name: 'block',
    inputs: [{ name: 'x', shape: ['batch', 4, 8, '?'] }],
    outputs: ['y'],
    nodes: [
      { name: 'dw', op: 'Conv', inputs: ['x', 'dw.w', ''], outputs: ['a'], attrs: { group: 4, kernel_shape: [3, 3], pads: [1, 1, 1, 1], auto_pad: 'NOTSET' } },
      { name: 'pw', op: 'Conv', inputs: ['a', 'pw.w', 'pw.b'], outputs: ['b'], attrs: { strides: [1, 1] } },
      { name: 'hs', op: 'HardSigmoid', inputs: ['b'], outputs: ['c'], attrs: { alpha: Math.fround(1 / 6), beta: 0.5 } },
      { name: 'k', op: 'Constant', inputs: [], outputs: ['shape'], attrs: { value: intTensor([2], [0, -1]) } },
      { name: 'r', op: 'Reshape', inputs: ['c', 'shape'], outputs: ['d'], attrs: {} },
      { name: 'sl', op: 'Slice', inputs: ['d', 'starts', 'ends'], outputs: ['y'], attrs: {} },
    ],
    initializers: new Map<string, Value>([
      ['dw.w', tensor([4, 1, 3, 3], Float32Array.from({ length: 36 }, (_, i) => i / 7 - 2))],
      ['pw.w', tensor([2, 4, 1, 1], [1, -1, 0.5, 1e-8, NaN, Infinity, -0, 3])],
      ['pw.b', tensor([2], [0.1, -0.2])],
      ['starts', intTensor([1], [0])],
      ['ends', intTensor([1], [2 ** 63])],
    ]),
    opset,
  };
}

function expectSameValue(a: Value | undefined, b: Value): void {
  expect(a).toBeDefined();
  expect(a!.shape).toEqual(b.shape);
  expect(isInt(a!)).toBe(isInt(b));
  if (isInt(b)) expect(Array.from((a as IntTensor).ints)).toEqual(Array.from(b.ints));
  else expect(Array.from((a as Tensor).data)).toEqual(Array.from(b.data));
}

describe('encodeOnnx -> loadOnnx', () => {
  it('round-trips nodes, attributes of every kind, symbolic inputs and initializers', () => {
    const g = sampleGraph();
    const back = loadOnnx(encodeOnnx(g));
    expect(back.name).toBe('block');
    expect(back.opset).toBe(13);
    expect(back.inputs).toEqual(g.inputs);
    expect(back.outputs).toEqual(['y']);
    expect(back.nodes.map((n) => [n.name, n.op, n.inputs, n.outputs])).toEqual(g.nodes.map((n) => [n.name, n.op, n.inputs, n.outputs]));
    expect(back.nodes[0]!.attrs).toEqual({ group: 4, kernel_shape: [3, 3], pads: [1, 1, 1, 1], auto_pad: 'NOTSET' });
    expect(back.nodes[2]!.attrs).toEqual({ alpha: Math.fround(1 / 6), beta: 0.5 });
    expectSameValue(back.nodes[3]!.attrs.value as Value, intTensor([2], [0, -1]));
    expect([...back.initializers.keys()]).toEqual([...g.initializers.keys()]);
    for (const [k, v] of g.initializers) expectSameValue(back.initializers.get(k), v);
  });

  it('writes whole-number float attributes as FLOAT and float initializers as raw_data', () => {
    const g = sampleGraph();
    const m = decodeModelProto(encodeOnnx(g));
    const beta = m.graph!.node[2]!.attribute.find((a) => a.name === 'beta')!;
    expect(beta.type).toBe(AttrType.FLOAT);
    const group = m.graph!.node[0]!.attribute.find((a) => a.name === 'group')!;
    expect(group.type).toBe(AttrType.INT);
    const w = m.graph!.initializer.find((t) => t.name === 'pw.w')!;
    expect(w.data_type).toBe(F32);
    expect(w.raw_data!.length).toBe(32);
    expect(w.float_data).toEqual([]);
  });

  it('declares output shapes (as the ONNX checker requires), keeping a lone symbolic dim by name', () => {
    const outShape = (g: Graph) =>
      decodeModelProto(encodeOnnx(g)).graph!.output[0]!.type!.tensor_type!.shape?.dim.map((d) =>
        d.value === 'dim_param' ? d.dim_param : d.value === 'dim_value' ? d.dim_value : 'blank',
      );
    const g = sampleGraph();
    expect(outShape({ ...g, inputs: [{ name: 'x', shape: ['batch', 4, 8, 8] }] })).toEqual(['batch', 128]);
    expect(outShape({ ...g, inputs: [{ name: 'x', shape: [1, 4, 8, 8] }] })).toEqual([1, 128]);
    // Two symbols: which one a mixed dim follows is unknown, so it is left blank (neither dim_value nor dim_param).
    expect(outShape(g)).toEqual(['blank', 'blank']);
    const unresolvable = { ...g, nodes: [...g.nodes.slice(0, 5), { ...g.nodes[5]!, op: 'NotAnOp' }] };
    expect(outShape(unresolvable)).toBeUndefined();
  });

  it('lists initializers among the inputs below opset 9 and drops them again on load', () => {
    const g = { ...sampleGraph(8), nodes: sampleGraph().nodes.slice(0, 3), outputs: ['c'] };
    const m = decodeModelProto(encodeOnnx(g));
    expect(m.graph!.input.map((i) => i.name)).toEqual(['x', 'dw.w', 'pw.w', 'pw.b', 'starts', 'ends']);
    const back = loadOnnx(encodeOnnx(g));
    expect(back.opset).toBe(8);
    expect(back.inputs).toEqual([{ name: 'x', shape: ['batch', 4, 8, '?'] }]);
  });
});

describe('loadOnnx on files from other writers', () => {
  it('reads an onnx.helper opset-8 model: initializers as inputs, float_data, int64_data, symbolic dims', () => {
    const g = loadOnnx(LEGACY_OPSET8);
    expect(g.opset).toBe(8);
    expect(g.name).toBe('legacy');
    expect(g.inputs).toEqual([{ name: 'x', shape: ['batch_size', 1, 2, '?'] }]);
    expect(g.outputs).toEqual(['y']);
    expect(g.nodes.map((n) => `${n.name}:${n.op}`)).toEqual(['Conv_0:Conv', 'Relu_1:Relu', 'Reshape_2:Reshape']);
    expect(g.nodes[0]!.attrs).toEqual({ group: 1, kernel_shape: [1, 1] });
    expectSameValue(g.initializers.get('W'), tensor([2, 1, 1, 1], [0.5, -2]));
    expectSameValue(g.initializers.get('B'), tensor([2], [1, 0.25]));
    expectSameValue(g.initializers.get('S'), intTensor([2], [0, -1]));
  });
});

describe('initializer decoding', () => {
  it('reads FLOAT from raw_data and from float_data identically', () => {
    const vals = [1.5, -0.125, 3e-39, 65504];
    const a = initializerOf(withInitializer({ name: 'w', dims: [2, 2], data_type: F32, raw_data: raw(Float32Array.from(vals)) }), 'w');
    const b = initializerOf(withInitializer({ name: 'w', dims: [2, 2], data_type: F32, float_data: vals }), 'w');
    expectSameValue(a, tensor([2, 2], vals));
    expectSameValue(b, tensor([2, 2], vals));
  });

  it('copies raw_data that sits at an unaligned offset of the input buffer', () => {
    const vals = Float32Array.from([1, 2, 3, -4.25]);
    for (const name of ['w', 'ww', 'www', 'wwww'])
      for (const shift of [1, 2, 3]) {
        const bytes = withInitializer({ name, dims: [4], data_type: F32, raw_data: raw(vals) });
        const shifted = new Uint8Array(bytes.length + shift);
        shifted.set(bytes, shift);
        expectSameValue(initializerOf(shifted.subarray(shift), name), tensor([4], vals));
      }
    const buf = new Uint8Array(17);
    buf.set(raw(vals), 1);
    expectSameValue(tensorFromProto({ name: 't', dims: [4], data_type: F32, raw_data: buf.subarray(1) } as never), tensor([4], vals));
  });

  it('reads INT64 exactly from raw_data and int64_data, including negatives and INT64_MAX/MIN', () => {
    const big = [-1n, -(2n ** 40n), 2n ** 53n - 1n, 2n ** 63n - 1n, -(2n ** 63n)];
    const expected = [-1, -(2 ** 40), 2 ** 53 - 1, 2 ** 63, -(2 ** 63)];
    const fromRaw = withInitializer({ name: 'i', dims: [5], data_type: DataType.INT64, raw_data: raw(BigInt64Array.from(big)) });
    expectSameValue(initializerOf(fromRaw, 'i'), intTensor([5], expected));
    const fromField = withInitializer({
      name: 'i',
      dims: [5],
      data_type: DataType.INT64,
      int64_data: [-1, -(2 ** 40), 2 ** 53 - 1, INT64_MAX, INT64_MIN],
    });
    expectSameValue(initializerOf(fromField, 'i'), intTensor([5], expected));
  });

  it('converts DOUBLE and FLOAT16 to float32 and INT32/INT8/UINT8/BOOL to integers', () => {
    const d = withInitializer({ name: 'd', dims: [2], data_type: DataType.DOUBLE, raw_data: raw(Float64Array.from([0.1, -2])) });
    expectSameValue(initializerOf(d, 'd'), tensor([2], [0.1, -2]));
    const halfBits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0xfc00];
    const halfs = [1, -2, 65504, 2 ** -24, -Infinity];
    const h1 = withInitializer({ name: 'h', dims: [5], data_type: DataType.FLOAT16, raw_data: raw(Uint16Array.from(halfBits)) });
    const h2 = withInitializer({ name: 'h', dims: [5], data_type: DataType.FLOAT16, int32_data: halfBits });
    expectSameValue(initializerOf(h1, 'h'), tensor([5], halfs));
    expectSameValue(initializerOf(h2, 'h'), tensor([5], halfs));
    const i32 = withInitializer({ name: 'i', dims: [2], data_type: DataType.INT32, int32_data: [-3, 2147483647] });
    expectSameValue(initializerOf(i32, 'i'), intTensor([2], [-3, 2147483647]));
    const i8 = withInitializer({ name: 'i', dims: [2], data_type: DataType.INT8, raw_data: Uint8Array.from([0xff, 0x7f]) });
    expectSameValue(initializerOf(i8, 'i'), intTensor([2], [-1, 127]));
    const u8 = withInitializer({ name: 'u', dims: [2], data_type: DataType.UINT8, int32_data: [255, 0] });
    expectSameValue(initializerOf(u8, 'u'), intTensor([2], [255, 0]));
    const b = withInitializer({ name: 'b', dims: [3], data_type: DataType.BOOL, raw_data: Uint8Array.from([1, 0, 1]) });
    expectSameValue(initializerOf(b, 'b'), intTensor([3], [1, 0, 1]));
  });

  it('reads scalars and empty tensors', () => {
    expectSameValue(initializerOf(withInitializer({ name: 's', dims: [], data_type: F32, float_data: [7] }), 's'), tensor([], [7]));
    expectSameValue(initializerOf(withInitializer({ name: 'e', dims: [3, 0], data_type: F32 }), 'e'), tensor([3, 0], []));
  });

  it('rejects external data, string and unsupported dtypes, naming the tensor', () => {
    const ext = withInitializer({
      name: 'conv.weight',
      dims: [2],
      data_type: F32,
      data_location: 1,
      external_data: [{ key: 'location', value: 'weights.bin' }],
    });
    expect(catchError(() => loadOnnx(ext))).toBeInstanceOf(ModelFormatError);
    expect(catchError(() => loadOnnx(ext)).message).toMatch(/initializer "conv\.weight".*external data is not supported/);
    const str = withInitializer({ name: 'labels', dims: [1], data_type: DataType.STRING, string_data: [new TextEncoder().encode('cat')] });
    expect(catchError(() => loadOnnx(str))).toBeInstanceOf(ModelFormatError);
    expect(catchError(() => loadOnnx(str)).message).toMatch(/initializer "labels" has data type STRING/);
    const c64 = withInitializer({ name: 'z', dims: [1], data_type: DataType.COMPLEX64, float_data: [1, 2] });
    expect(catchError(() => loadOnnx(c64)).message).toMatch(/initializer "z" has data type COMPLEX64/);
  });

  it('rejects negative, overflowing and data-mismatched dims before allocating', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ dims: [-1, 4], raw_data: new Uint8Array(16) }, /initializer "t": dimension 0 is -1/],
      [{ dims: [2 ** 40], raw_data: new Uint8Array(4) }, /initializer "t": dimension 0 is 1099511627776/],
      [{ dims: [INT64_MIN], raw_data: new Uint8Array(4) }, /initializer "t": dimension 0 is -9223372036854776000/],
      // Beyond 2^53 int64 reads back rounded; such a dim is refused by its size, naming the tensor.
      [{ dims: [2 ** 53 + 2], raw_data: new Uint8Array(4) }, /initializer "t": dimension 0 is 9007199254740994, above the limit/],
      [{ dims: [INT64_MAX], raw_data: new Uint8Array(4) }, /initializer "t": dimension 0 is 9223372036854776000, above the limit/],
      [{ dims: [65536, 65536], raw_data: new Uint8Array(4) }, /initializer "t": shape \[65536, 65536\] has more than 2147483647 elements/],
      // 2e9 float32 elements would be 8 GB: it must be refused by counting, not by trying.
      [{ dims: [100000, 20000], raw_data: new Uint8Array(4) }, /needs 2000000000 FLOAT values \(8000000000 bytes\) but raw_data holds 4 bytes/],
      [{ dims: [100000, 20000], float_data: [1] }, /needs 2000000000 values but float_data holds 1/],
      [{ dims: [3], float_data: [1, 2, 3, 4] }, /needs 3 values but float_data holds 4/],
      [{ dims: [3], raw_data: new Uint8Array(13) }, /raw_data holds 13 bytes/],
    ];
    for (const [t, msg] of cases) {
      const e = catchError(() => loadOnnx(withInitializer({ name: 't', data_type: F32, ...t })));
      expect(e).toBeInstanceOf(ModelFormatError);
      expect(e.message).toMatch(msg);
    }
  });
});

describe('graph structure', () => {
  const relu = { op_type: 'Relu', input: ['x'], output: ['y'] };

  it('keeps dim_value, dim_param and unknown dims of inputs', () => {
    const g = loadOnnx(model({ node: [relu], input: [floatInput('x', ['N', 3, null, 'width'])], output: [{ name: 'y' }] }));
    expect(g.inputs).toEqual([{ name: 'x', shape: ['N', 3, '?', 'width'] }]);
    expect(g.name).toBe('main');
    expect(g.nodes[0]!.name).toBe('Relu_0');
  });

  it('requires a graph, a default-domain opset between 7 and 18, and float inputs', () => {
    expect(catchError(() => loadOnnx(model(undefined))).message).toMatch(/no graph/);
    const g = { node: [relu], input: [floatInput('x', [1])], output: [{ name: 'y' }] };
    expect(catchError(() => loadOnnx(model(g, 6))).message).toMatch(/opset 6; supported opsets are 7 to 18/);
    expect(catchError(() => loadOnnx(model(g, 19))).message).toMatch(/opset 19/);
    expect(catchError(() => loadOnnx(model(g, [{ domain: 'com.microsoft', version: 1 }]))).message).toMatch(/no opset for the default/);
    expect(loadOnnx(model(g, [{ domain: 'com.microsoft', version: 1 }, { domain: 'ai.onnx', version: 18 }])).opset).toBe(18);
    const intInput = { name: 'ids', type: { tensor_type: { elem_type: DataType.INT64, shape: { dim: [{ dim_value: 1 }] } } } };
    const e = catchError(() => loadOnnx(model({ ...g, input: [intInput] })));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/graph input "ids" has element type INT64/);
  });

  it('lists every unknown op, other-domain op and subgraph attribute in one UnsupportedOpError', () => {
    const bytes = model(
      {
        node: [
          { name: 'fancy', op_type: 'FancyOp', input: ['x'], output: ['a'] },
          { op_type: 'FusedConv', domain: 'com.microsoft', input: ['a'], output: ['b'] },
          {
            name: 'branch',
            op_type: 'If',
            input: ['b'],
            output: ['y'],
            attribute: [{ name: 'then_branch', type: AttrType.GRAPH, g: { name: 'then', node: [relu] } }],
          },
          { name: 'ok', op_type: 'Relu', input: ['y'], output: ['z'] },
        ],
        input: [floatInput('x', [1])],
        output: [{ name: 'z' }],
      },
      16,
    );
    const e = catchError(() => loadOnnx(bytes));
    expect(e).toBeInstanceOf(UnsupportedOpError);
    const list = (e as UnsupportedOpError).unsupported;
    expect(list.map((u) => [u.op, u.node])).toEqual([
      ['FancyOp', 'fancy'],
      ['com.microsoft::FusedConv', 'FusedConv_1'],
      ['If', 'branch'],
    ]);
    expect(list[2]!.reason).toMatch(/then_branch.*GRAPH/);
    expect(e.message).toMatch(/FancyOp \(node "fancy"\)/);
  });

  it('rejects structural mistakes with the offending name', () => {
    const dup = { name: 'w', dims: [1], data_type: F32, float_data: [1] };
    expect(catchError(() => loadOnnx(model({ node: [], initializer: [dup, dup] }))).message).toMatch(/initializer "w" is defined twice/);
    expect(catchError(() => loadOnnx(model({ node: [{ name: 'n', input: ['x'] }] }))).message).toMatch(/node "n".*no op_type/);
  });
});

describe('hostile bytes', () => {
  // A small complete model; every proper prefix must fail cleanly or decode to a (partial) graph.
  const small = encodeOnnx(sampleGraph());

  it('turns every truncation into a ModelFormatError or a valid Graph', () => {
    let graphs = 0;
    for (let len = 1; len < small.length; len++) {
      try {
        const g = loadOnnx(small.subarray(0, len));
        expect(Array.isArray(g.nodes)).toBe(true);
        graphs++;
      } catch (e) {
        if (!(e instanceof ModelFormatError)) throw new Error(`prefix of ${len}/${small.length} bytes threw ${String(e)}`);
      }
    }
    expect(graphs).toBeLessThan(small.length - 1);
  });

  it('turns random garbage into typed errors', () => {
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const inputs: Uint8Array[] = [new Uint8Array(0)];
    for (let k = 0; k < 300; k++) inputs.push(Uint8Array.from({ length: 1 + Math.floor(rand() * 400) }, () => Math.floor(rand() * 256)));
    // Flip bytes inside a valid model too: that reaches deeper into the decoder than pure noise.
    for (let k = 0; k < 300; k++) {
      const m = small.slice();
      for (let j = 0; j < 3; j++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      inputs.push(m);
    }
    for (const bytes of inputs) {
      try {
        loadOnnx(bytes);
      } catch (e) {
        if (!(e instanceof ModelFormatError || e instanceof UnsupportedOpError)) throw e;
      }
    }
    const e = catchError(() => loadOnnx(new Uint8Array(0)));
    expect(e).toBeInstanceOf(ModelFormatError);
  });

  it('refuses graphs nested thousands deep through attributes without overflowing the stack', () => {
    // model.graph -> (graph.node -> node.attribute -> attribute.g) × levels, built inside out.
    const levels = 3000;
    const tags = [0x32, 0x2a, 0x0a];
    const varintLen = (n: number) => (n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4);
    const sizes = [0];
    for (let i = 0; i < levels * 3; i++) sizes.push(1 + varintLen(sizes[i]!) + sizes[i]!);
    const out: number[] = [];
    const varint = (n: number) => {
      for (; n >= 128; n >>>= 7) out.push((n & 127) | 128);
      out.push(n);
    };
    out.push(0x3a);
    varint(sizes[levels * 3]!);
    for (let i = levels * 3 - 1; i >= 0; i--) {
      out.push(tags[i % 3]!);
      varint(sizes[i]!);
    }
    const e = catchError(() => loadOnnx(Uint8Array.from(out)));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/in ModelProto > GraphProto > NodeProto > … \d+ more … > .*: messages are nested more than 100 deep/);
  });

  it('reports a protobuf decode failure as a ModelFormatError with the reason', () => {
    const e = catchError(() => loadOnnx(Uint8Array.from([0x3a, 0x7f, 0x01])));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/not a valid ONNX model .*: field 7 at byte 1 announces a GraphProto message of 127 bytes but only 1 remain/);
  });

  // Each byte string is a ModelProto whose graph (field 7) holds one NodeProto (field 1) unless noted.
  const malformed: [string, number[], RegExp][] = [
    ['a string running past its message', [0x3a, 0x05, 0x0a, 0x03, 0x0a, 0x09, 0x61], /in ModelProto > GraphProto > NodeProto\): field 1 at byte 5 announces a string of 9 bytes but only 1 remain/],
    ['a string running past the data', [0x12, 0x09, 0x61], /in ModelProto\): field 2 at byte 1 announces a string of 9 bytes but only 1 remain/],
    ['bytes running past the data', [0x3a, 0x04, 0x2a, 0x02, 0x4a, 0x05], /GraphProto > TensorProto\): field 9 at byte 5 announces a bytes value of 5 bytes but only 0 remain/],
    ['packed floats cut off by the end of the data', [0x3a, 0x06, 0x2a, 0x04, 0x22, 0x02, 0x08, 0x01], /TensorProto\): the data ends inside a value \(truncated file\?\)/],
    ['a packed float straddling the end of its array', [0x3a, 0x08, 0x2a, 0x06, 0x22, 0x02, 0x00, 0x00, 0x10, 0x01], /TensorProto\): the packed array of field 4 ends inside an element \(2 byte\(s\) over\)/],
    ['a packed varint straddling the end of its array', [0x3a, 0x06, 0x2a, 0x04, 0x0a, 0x01, 0xff, 0x01], /TensorProto\): the packed array of field 1 ends inside an element \(1 byte\(s\) over\)/],
    ['a sub-message longer than its parent', [0x3a, 0x02, 0x0a, 0x05, 0x0a, 0x01, 0x61], /GraphProto\): field 1 at byte 3 announces a NodeProto message of 5 bytes but only 0 remain/],
    ['a varint cut off by the end of the data', [0x08, 0xff, 0xff], /in ModelProto\): the data ends inside a value \(truncated file\?\)/],
    ['a varint running past its message', [0x3a, 0x04, 0x2a, 0x02, 0x10, 0xff, 0x01], /in ModelProto > GraphProto > TensorProto\): a field runs 1 byte\(s\) past the end of its message/],
    ['field number 0', [0x3a, 0x02, 0x00, 0x00], /GraphProto\): invalid field number 0 at byte 2/],
    ['wire type 3 (group)', [0x3b, 0x00], /field 7 at byte 0 has wire type 3 \(group start, unsupported\)/],
    ['wire type 7', [0x3f, 0x00], /field 7 at byte 0 has wire type 7, which does not exist/],
    ['a message field sent as a varint', [0x38, 0x05], /field 7 has wire type varint but holds a GraphProto message \(length-delimited\)/],
    ['a string field sent as 32-bit', [0x15, 0x01, 0x02, 0x03, 0x04], /field 2 has wire type 32-bit but holds a string/],
    ['a varint field sent as 64-bit', [0x09, 1, 0, 0, 0, 0, 0, 0, 0], /in ModelProto\): field 1 has wire type 64-bit but holds a varint \(varint\)/],
    ['a float field sent as a varint', [0x3a, 0x06, 0x0a, 0x04, 0x2a, 0x02, 0x10, 0x01], /AttributeProto\): field 2 has wire type varint but holds a float \(32-bit\)/],
    ['a repeated int field sent as 64-bit', [0x3a, 0x0d, 0x0a, 0x0b, 0x2a, 0x09, 0x41, 1, 0, 0, 0, 0, 0, 0, 0], /AttributeProto\): field 8 has wire type 64-bit but holds a repeated scalar \(varint\)/],
    ['an unknown field running past the data', [0x3a, 0x03, 0xf2, 0x07, 0x05], /GraphProto\): field 126 at byte 4 announces a value of 5 bytes but only 0 remain/],
  ];
  it.each(malformed)('rejects %s with a ModelFormatError naming the message and the problem', (_, bytes, expected) => {
    const e = catchError(() => decodeModelProto(Uint8Array.from(bytes)));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/^not a valid ONNX model \(protobuf decoding of \d+ bytes failed at byte \d+ in ModelProto/);
    expect(e.message).toMatch(expected);
  });

  it('decodes what the encoder writes for INT64_MAX/MIN, bytes and oneof dims exactly', () => {
    const m = decodeModelProto(
      encodeModelProto({
        ir_version: 2 ** 63,
        graph: { input: [floatInput('x', [0, 'n', null])], initializer: [{ name: 'i', dims: [INT64_MIN], int64_data: [INT64_MAX, INT64_MIN, 3] }] },
      }),
    );
    expect(m.ir_version).toBe(2 ** 63);
    const dims = m.graph!.input[0]!.type!.tensor_type!.shape!.dim;
    expect(dims.map((d) => [d.value, d.value ? d[d.value] : undefined])).toEqual([['dim_value', 0], ['dim_param', 'n'], [undefined, undefined]]);
    expect(m.graph!.initializer[0]!.dims).toEqual([INT64_MIN]);
    expect(m.graph!.initializer[0]!.int64_data).toEqual([INT64_MAX, INT64_MIN, 3]);
    expect(m.graph!.initializer[0]!.raw_data).toBeUndefined();
  });
});
