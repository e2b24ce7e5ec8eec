// Rebuilds an ONNX network as TensorFlow.js ops (NHWC), for the TF.js rows of the benchmark.
// The ONNX file is decoded with the engine's own importer and resolver (shapes inferred, Constant nodes and
// shape subgraphs folded, Conv pads resolved); every runtime node then becomes TF.js ops:
//   Conv (regular and depthwise; bias and a following Relu/Clip(0,6) fused, as the TF.js converter does),
//   Relu, Clip, Add, GlobalAveragePool, Flatten, Reshape, Gemm.
import type * as TF from '@tensorflow/tfjs';
import { isInt, type Value } from '../src/graph/ir.js';
import { resolve, type ResolvedGraph, type ResolvedNode } from '../src/graph/resolve.js';
import { loadOnnx } from '../src/onnx/import.js';
import type { ClipAttrs } from '../src/ops/clip.js';
import type { ConvAttrs } from '../src/ops/conv.js';
import type { GemmAttrs } from '../src/ops/gemm.js';
import type { Shape } from '../src/tensor.js';

type Tf = typeof TF;
type Act = 'linear' | 'relu' | 'relu6';

/** A value during execution: rank-4 activations are NHWC; everything else keeps its ONNX layout. */
interface Val {
  t: TF.Tensor;
  nhwc: boolean;
}

type Step = (env: Map<string, Val>) => void;

export interface TfjsNet {
  /** NCHW input in, NCHW output (read back to the CPU) out. */
  run(input: Float32Array): Promise<Float32Array>;
  dispose(): void;
  readonly ops: string[];
}

function floats(v: Value): Float32Array {
  return isInt(v) ? Float32Array.from(v.ints) : v.data;
}

/** NCHW <-> NHWC on the CPU (n, c, h, w are the NCHW dims). */
export function nchwToNhwc(src: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(src.length);
  const hw = h * w;
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      const s0 = (b * c + ch) * hw;
      const d0 = b * hw * c + ch;
      for (let p = 0; p < hw; p++) out[d0 + p * c] = src[s0 + p]!;
    }
  return out;
}

export function nhwcToNchw(src: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(src.length);
  const hw = h * w;
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      const d0 = (b * c + ch) * hw;
      const s0 = b * hw * c + ch;
      for (let p = 0; p < hw; p++) out[d0 + p] = src[s0 + p * c]!;
    }
  return out;
}

export function buildTfjs(tf: Tf, onnxBytes: Uint8Array, inputShape: Shape): TfjsNet {
  const graph = loadOnnx(onnxBytes);
  const inputName = graph.inputs.filter((i) => !graph.initializers.has(i.name))[0]!.name;
  const rg: ResolvedGraph = resolve(graph, { [inputName]: inputShape });
  const outputName = rg.graph.outputs[0]!;
  const weights: TF.Tensor[] = [];
  const keep = <T extends TF.Tensor>(t: T): T => {
    weights.push(t);
    return t;
  };

  // Which node reads each value (for fusing an activation into the Conv before it).
  const readers = new Map<string, ResolvedNode[]>();
  for (const rn of rg.nodes) for (const i of rn.node.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), rn]);
  const fusedAway = new Set<ResolvedNode>();
  const activationOf = (rn: ResolvedNode): Act | undefined => {
    if (rn.node.op === 'Relu') return 'relu';
    if (rn.node.op === 'Clip') {
      const a = rn.attrs as ClipAttrs;
      if (a.min === 0 && a.max === 6) return 'relu6';
      if (a.min === 0 && a.max === Infinity) return 'relu';
    }
    return undefined;
  };

  const constVal = (name: string): Val | undefined => {
    const v = rg.constants.get(name);
    if (!v) return undefined;
    // Constants used at runtime (e.g. an Add operand): rank-4 NCHW constants become NHWC.
    if (v.shape.length === 4) {
      const [n, c, h, w] = v.shape as [number, number, number, number];
      return { t: keep(tf.tensor4d(nchwToNhwc(floats(v), n, c, h, w), [n, h, w, c])), nhwc: true };
    }
    return { t: keep(tf.tensor(floats(v), [...v.shape])), nhwc: false };
  };
  // Constants read at runtime are made once here, outside the per-run tf.tidy (which would dispose them).
  const constEnv = new Map<string, Val>();
  const get = (env: Map<string, Val>, name: string): Val => {
    const v = env.get(name) ?? constEnv.get(name);
    if (!v) throw new Error(`TF.js builder: value "${name}" is not available`);
    return v;
  };
  /** The ONNX (NCHW) view of a value, for ops whose semantics depend on layout (Flatten, Reshape). */
  const onnxLayout = (v: Val): TF.Tensor => (v.nhwc ? tf.transpose(v.t, [0, 3, 1, 2]) : v.t);

  const steps: Step[] = [];
  const ops = new Set<string>();
  for (const rn of rg.nodes) {
    if (fusedAway.has(rn)) continue;
    const { node } = rn;
    const out = node.outputs[0]!;
    ops.add(node.op);
    switch (node.op) {
      case 'Conv': {
        const a = rn.attrs as ConvAttrs;
        const [, cin] = rn.inputShapes[0] as [number, number, number, number];
        const w = rg.constants.get(node.inputs[1]!);
        if (!w) throw new Error(`Conv "${node.name}": the weight must be a constant`);
        const [cout, cpg, kh, kw] = w.shape as [number, number, number, number];
        const wd = floats(w);
        const depthwise = a.group === cin && cpg === 1 && a.group > 1;
        if (a.group !== 1 && !depthwise) throw new Error(`Conv "${node.name}": grouped conv (group=${a.group}) is not supported`);
        // ONNX [Cout, Cin/g, kh, kw] -> TF.js HWIO (regular) or [kh, kw, Cin, multiplier] (depthwise).
        const filter = new Float32Array(wd.length);
        if (depthwise) {
          const mult = cout / cin;
          for (let c = 0; c < cin; c++)
            for (let m = 0; m < mult; m++)
              for (let y = 0; y < kh; y++)
                for (let x = 0; x < kw; x++) filter[((y * kw + x) * cin + c) * mult + m] = wd[((c * mult + m) * kh + y) * kw + x]!;
        } else {
          for (let o = 0; o < cout; o++)
            for (let i = 0; i < cpg; i++)
              for (let y = 0; y < kh; y++)
                for (let x = 0; x < kw; x++) filter[((y * kw + x) * cpg + i) * cout + o] = wd[((o * cpg + i) * kh + y) * kw + x]!;
        }
        const fShape: [number, number, number, number] = depthwise ? [kh, kw, cin, cout / cin] : [kh, kw, cpg, cout];
        const fT = keep(tf.tensor4d(filter, fShape));
        const b = a.hasBias ? rg.constants.get(node.inputs[2]!) : undefined;
        const bT = b ? keep(tf.tensor1d(floats(b))) : undefined;
        const [t, l, btm, r] = a.pads;
        const pad: 'valid' | number | [[number, number], [number, number], [number, number], [number, number]] =
          t === l && t === btm && t === r ? (t === 0 ? 'valid' : t) : [[0, 0], [t, btm], [l, r], [0, 0]];
        if (typeof pad !== 'number' && pad !== 'valid' && depthwise)
          throw new Error(`Conv "${node.name}": asymmetric depthwise padding is not supported`);
        // Fuse a following activation when this Conv's only reader is that activation.
        let act: Act = 'linear';
        let target = out;
        const rs = readers.get(out) ?? [];
        if (rs.length === 1 && !rg.graph.outputs.includes(out)) {
          const fa = activationOf(rs[0]!);
          if (fa) {
            act = fa;
            fusedAway.add(rs[0]!);
            target = rs[0]!.node.outputs[0]!;
          }
        }
        const input = node.inputs[0]!;
        const strides = a.strides;
        const dilations = a.dilations;
        if (depthwise)
          steps.push((env) => {
            const x = get(env, input).t as TF.Tensor4D;
            env.set(target, { t: tf.fused.depthwiseConv2d({ x, filter: fT as TF.Tensor4D, strides, pad: pad as number | 'valid', dilations, bias: bT, activation: act }), nhwc: true });
          });
        else
          steps.push((env) => {
            const x = get(env, input).t as TF.Tensor4D;
            env.set(target, { t: tf.fused.conv2d({ x, filter: fT as TF.Tensor4D, strides, pad, dilations, bias: bT, activation: act }), nhwc: true });
          });
        break;
      }
      case 'Relu': {
        const i = node.inputs[0]!;
        steps.push((env) => {
          const v = get(env, i);
          env.set(out, { t: tf.relu(v.t), nhwc: v.nhwc });
        });
        break;
      }
      case 'Clip': {
        const a = rn.attrs as ClipAttrs;
        const i = node.inputs[0]!;
        const lo = Number.isFinite(a.min) ? a.min : -3.4e38;
        const hi = Number.isFinite(a.max) ? a.max : 3.4e38;
        steps.push((env) => {
          const v = get(env, i);
          env.set(out, { t: a.min === 0 && a.max === 6 ? tf.relu6(v.t) : tf.clipByValue(v.t, lo, hi), nhwc: v.nhwc });
        });
        break;
      }
      case 'Add': {
        const [p, q] = node.inputs as [string, string];
        for (const k of [p, q]) {
          const v = rg.constants.get(k);
          if (v && v.shape.length !== 0 && v.shape.length !== 4 && rn.outputShapes[0]!.length === 4)
            throw new Error(`Add "${node.name}": a rank-${v.shape.length} constant broadcast against NCHW is not supported`);
          if (v && !constEnv.has(k)) constEnv.set(k, constVal(k)!);
        }
        steps.push((env) => {
          const x = get(env, p);
          const y = get(env, q);
          env.set(out, { t: tf.add(x.t, y.t), nhwc: x.nhwc || y.nhwc });
        });
        break;
      }
      case 'GlobalAveragePool': {
        const i = node.inputs[0]!;
        steps.push((env) => env.set(out, { t: tf.mean(get(env, i).t, [1, 2], true), nhwc: true }));
        break;
      }
      case 'Flatten':
      case 'Reshape': {
        const shape = [...(rn.attrs as { shape: Shape }).shape];
        const i = node.inputs[0]!;
        const inShape = rn.inputShapes[0]!;
        steps.push((env) => {
          const v = get(env, i);
          // [N,1,1,C] NHWC has the same element order as NCHW: no transpose needed.
          const trivially = v.nhwc && inShape[2] === 1 && inShape[3] === 1;
          const src = trivially ? v.t : onnxLayout(v);
          const r = tf.reshape(src, shape);
          env.set(out, shape.length === 4 ? { t: tf.transpose(r, [0, 2, 3, 1]), nhwc: true } : { t: r, nhwc: false });
        });
        break;
      }
      case 'Gemm': {
        const a = rn.attrs as GemmAttrs;
        const [ai, bi, ci] = node.inputs as [string, string, string | undefined];
        const bc = rg.constants.get(bi);
        const cc = ci ? rg.constants.get(ci) : undefined;
        // A constant B is stored as [K, N] (transposed here once when transB), as the TF.js converter does;
        // this also avoids tfjs-backend-wasm 4.22's wrong results for fused matMul with transposeB + bias.
        let transB = a.transB;
        let bT: TF.Tensor2D | undefined;
        if (bc) {
          const [r, c] = bc.shape as [number, number];
          const src = floats(bc);
          if (transB) {
            const t = new Float32Array(src.length);
            for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = src[i * c + j]!;
            bT = keep(tf.tensor2d(t, [c, r]));
            transB = false;
          } else bT = keep(tf.tensor2d(src, [r, c]));
        }
        const cT =
          cc && (cc.shape.length === 1 || cc.shape.length === 0)
            ? keep(tf.tensor(a.beta === 1 ? floats(cc) : floats(cc).map((x) => x * a.beta), [...cc.shape]))
            : undefined;
        if (ci && !cT) throw new Error(`Gemm "${node.name}": only a constant 1-D C is supported`);
        steps.push((env) => {
          const A = get(env, ai).t as TF.Tensor2D;
          const B = (bT ?? get(env, bi).t) as TF.Tensor2D;
          let y = tf.fused.matMul({ a: a.alpha === 1 ? A : (tf.mul(A, a.alpha) as TF.Tensor2D), b: B, transposeA: a.transA, transposeB: transB, bias: cT });
          if (y.rank !== 2) y = tf.reshape(y, [a.M, a.N]) as TF.Tensor2D;
          env.set(out, { t: y, nhwc: false });
        });
        break;
      }
      default:
        throw new Error(`TF.js builder: ONNX op ${node.op} (node "${node.name}") is not supported`);
    }
  }

  const [n, c, h, w] = inputShape as [number, number, number, number];
  return {
    ops: [...ops],
    async run(input: Float32Array): Promise<Float32Array> {
      const y = tf.tidy(() => {
        const env = new Map<string, Val>();
        env.set(inputName, { t: tf.tensor4d(nchwToNhwc(input, n, c, h, w), [n, h, w, c]), nhwc: true });
        for (const s of steps) s(env);
        const o = env.get(outputName);
        if (!o) throw new Error(`TF.js builder: output "${outputName}" was not produced`);
        return o.t;
      });
      try {
        const data = (await y.data()) as Float32Array;
        if (y.rank === 4) {
          const [on, oh, ow, oc] = y.shape as [number, number, number, number];
          return nhwcToNchw(data, on, oc, oh, ow);
        }
        return data;
      } finally {
        y.dispose();
      }
    },
    dispose() {
      for (const t of weights) t.dispose();
      weights.length = 0;
    },
  };
}
