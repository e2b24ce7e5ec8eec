// Elementwise subgraphs that exporters spell out after a conv (TF's MobileNetV3 hard-swish, a per-channel constant
// added) folded into what the conv's epilogue already computes. Same results up to float rounding.
import type { ConvAttrs } from '../ops/conv.js';
import type { Shape } from '../tensor.js';
import { floatConst, type Value } from './ir.js';
import type { ResolvedNode } from './resolve.js';
import type { NodeUses } from './uses.js';

interface Ctx {
  uses: NodeUses;
  constants: Map<string, Value>;
  outputs: ReadonlySet<string>;
}

/** The node whose first output is `edge`. */
function producerOf(c: Ctx, edge: string): ResolvedNode | undefined {
  const p = c.uses.producer(edge);
  const rn = p === undefined ? undefined : c.uses.at(p);
  return rn?.node.outputs[0] === edge ? rn : undefined;
}
/** The slots of the nodes reading `edge`, each once. */
const readersOf = (c: Ctx, edge: string) => [...new Set(c.uses.readers(edge))];
/** An intermediate that may disappear: one reader, not a graph output. */
const private_ = (c: Ctx, edge: string) => !c.outputs.has(edge) && c.uses.readerCount(edge) === 1;

function scalar(c: Ctx, edge: string): number | undefined {
  const t = floatConst(c.constants.get(edge));
  return t && t.data.length === 1 ? t.data[0] : undefined;
}

/** A binary node with one scalar-constant input: the other input and the scalar (Div only as x / k). */
function withScalar(c: Ctx, rn: ResolvedNode | undefined, op: string): { x: string; k: number } | undefined {
  if (!rn || rn.node.op !== op || rn.node.inputs.length !== 2) return undefined;
  const [a, b] = rn.node.inputs as [string, string];
  const kb = scalar(c, b);
  if (kb !== undefined && !c.constants.has(a)) return { x: a, k: kb };
  const ka = op === 'Div' ? undefined : scalar(c, a);
  if (ka !== undefined && !c.constants.has(b)) return { x: b, k: ka };
  return undefined;
}

/** x · s as Mul(x, s) or Div(x, 1/s). */
function scaled(c: Ctx, rn: ResolvedNode | undefined): { x: string; s: number } | undefined {
  const m = withScalar(c, rn, 'Mul');
  if (m) return { x: m.x, s: m.k };
  const d = withScalar(c, rn, 'Div');
  return d && d.k !== 0 ? { x: d.x, s: 1 / d.k } : undefined;
}

/** relu6(x + 3) as Clip(Add(x, 3), 0, 6): x, else undefined. Needs the Add to be private. */
function relu6Plus3(c: Ctx, edge: string): string | undefined {
  const clip = producerOf(c, edge);
  const a = clip?.attrs as { min?: number; max?: number } | undefined;
  if (!clip || clip.node.op !== 'Clip' || a?.min !== 0 || a?.max !== 6) return undefined;
  const add = clip.node.inputs[0]!;
  const plus = private_(c, add) ? withScalar(c, producerOf(c, add), 'Add') : undefined;
  return plus && plus.k === 3 ? plus.x : undefined;
}

interface HardSwishMatch {
  x: string;
  /** The scale s of x·relu6(x+3)·s (1/6, or 1/6 rounded to float16 in quantized TF.js models). */
  s: number;
  /** Outputs of the nodes the match replaces, the last one included. */
  consumed: string[];
}

/**
 * x · relu6(x + 3) · s in the three orders exporters write it: Mul(x·s, relu6(x+3)), Mul(x, relu6(x+3)·s) and
 * Mul(x, relu6(x+3)) · s (Div by 1/s for any ·s).
 */
function matchHardSwish(c: Ctx, last: ResolvedNode): HardSwishMatch | undefined {
  const out = last.node.outputs[0]!;
  const viaMul = (mul: ResolvedNode | undefined, outer: boolean): HardSwishMatch | undefined => {
    if (!mul || mul.node.op !== 'Mul' || mul.node.inputs.length !== 2) return undefined;
    const me = mul.node.outputs[0]!;
    for (const side of [0, 1]) {
      const p = mul.node.inputs[side]!;
      const q = mul.node.inputs[1 - side]!;
      if (!private_(c, q)) continue;
      const relu6Of = (e: string) => relu6Plus3(c, e);
      const addOf = (e: string) => producerOf(c, e)!.node.inputs[0]!;
      if (!outer) {
        // Mul(x·s, relu6(x+3))
        const xs = private_(c, p) ? scaled(c, producerOf(c, p)) : undefined;
        if (xs && relu6Of(q) === xs.x) return { x: xs.x, s: xs.s, consumed: [me, p, q, addOf(q)] };
        // Mul(x, relu6(x+3)·s)
        const rs = scaled(c, producerOf(c, q));
        if (rs && private_(c, rs.x) && relu6Of(rs.x) === p) return { x: p, s: rs.s, consumed: [me, q, rs.x, addOf(rs.x)] };
      } else if (relu6Of(q) === p) return { x: p, s: 1, consumed: [me, q, addOf(q)] };
    }
    return undefined;
  };
  const direct = viaMul(last, false);
  if (direct) return direct;
  // Mul(x, relu6(x+3)) · s
  const tail = scaled(c, last);
  if (!tail || !private_(c, tail.x)) return undefined;
  const m = viaMul(producerOf(c, tail.x), true);
  return m && { x: m.x, s: tail.s, consumed: [out, ...m.consumed] };
}

/**
 * x·relu6(x+3)·s → the conv producing x computes 6s·hardswish(x) in its epilogue (the same value, exactly
 * rearranged), when x is read by the pattern alone.
 */
function fuseHardSwish(c: Ctx): number {
  let n = 0;
  // One walk: a fold only removes nodes of its own match and gives its conv an activation, so no match
  // before it can appear.
  for (let k = 0; k < c.uses.length; k++) {
    const last = c.uses.at(k);
    if (!last || (last.node.op !== 'Mul' && last.node.op !== 'Div')) continue;
    const m = matchHardSwish(c, last);
    if (!m) continue;
    const conv = producerOf(c, m.x);
    const a = conv?.attrs as ConvAttrs | undefined;
    if (!conv || conv.node.op !== 'Conv' || a!.act.kind !== 'none' || a!.residual || c.outputs.has(m.x)) continue;
    const gone = new Set(m.consumed);
    if (!readersOf(c, m.x).every((r) => gone.has(c.uses.at(r)!.node.outputs[0]!))) continue;
    const shape = conv.outputShapes[0]!;
    const ys = last.outputShapes[0]!;
    // broadcasting must not have widened x
    if (ys.length !== shape.length || ys.some((d, i) => d !== shape[i])) continue;
    const gain = 6 * m.s;
    const fused: ResolvedNode = {
      ...conv,
      node: { ...conv.node, outputs: [last.node.outputs[0]!] },
      attrs: { ...a!, act: gain === 1 ? { kind: 'hardswish' } : { kind: 'hardswish', gain } },
    };
    const ci = c.uses.producer(m.x)!;
    for (const e of gone) if (producerOf(c, e)) c.uses.remove(c.uses.producer(e)!);
    c.uses.set(ci, fused);
    n++;
  }
  return n;
}

/** The per-channel values of a constant that broadcasts over [N, C, H, W] along C only (or a scalar). */
function perChannel(c: Ctx, edge: string, C: number, rank: number): Float32Array | undefined {
  const t = floatConst(c.constants.get(edge));
  if (!t || rank !== 4) return undefined;
  if (t.data.length === 1) return new Float32Array(C).fill(t.data[0]!);
  const s: Shape = [...new Array<number>(Math.max(0, 4 - t.shape.length)).fill(1), ...t.shape];
  return s.length === 4 && s[0] === 1 && s[1] === C && s[2] === 1 && s[3] === 1 ? t.data : undefined;
}

/** Add(conv, per-channel constant) → the conv with that constant in its bias (the conv computes no activation). */
function foldConstantAdds(c: Ctx): number {
  let n = 0;
  for (let k = 0; k < c.uses.length; k++) {
    const add = c.uses.at(k);
    if (!add || add.node.op !== 'Add' || add.node.inputs.length !== 2) continue;
    for (const side of [0, 1]) {
      const convOut = add.node.inputs[side]!;
      const conv = producerOf(c, convOut);
      const a = conv?.attrs as ConvAttrs | undefined;
      if (!conv || conv.node.op !== 'Conv' || a!.act.kind !== 'none' || !private_(c, convOut)) continue;
      const ys = conv.outputShapes[0]!;
      if (add.outputShapes[0]!.some((d, i) => d !== ys[i]) || add.outputShapes[0]!.length !== ys.length) continue;
      const Cout = ys[1]!;
      const add0 = perChannel(c, add.node.inputs[1 - side]!, Cout, ys.length);
      if (!add0) continue;
      const old = a!.hasBias ? floatConst(c.constants.get(conv.node.inputs[2]!)) : undefined;
      if (a!.hasBias && !old) continue;
      const bias = new Float32Array(Cout);
      for (let o = 0; o < Cout; o++) bias[o] = (old ? old.data[o]! : 0) + add0[o]!;
      const bName = `${conv.node.name}::bias+${add.node.name}`;
      c.constants.set(bName, { shape: [Cout], data: bias });
      const inputs = [...conv.node.inputs];
      while (inputs.length < 3) inputs.push('');
      inputs[2] = bName;
      const inputShapes = conv.inputShapes.map((s, i) => (i === 2 ? [Cout] : s));
      while (inputShapes.length < 3) inputShapes.push(inputShapes.length === 2 ? [Cout] : []);
      const attrs = { ...a!, hasBias: true };
      const ci = c.uses.producer(convOut)!;
      c.uses.remove(k);
      c.uses.set(ci, {
        ...conv,
        node: { ...conv.node, inputs, outputs: [add.node.outputs[0]!] },
        attrs,
        inputShapes,
        cost: conv.def.cost?.(inputShapes, conv.outputShapes, attrs) ?? conv.cost,
      });
      n++;
      break;
    }
  }
  return n;
}

/** The hard-swish fold, in place over `uses`; the count of folds. Run it before activations are fused. */
export function foldHardSwish(uses: NodeUses, constants: Map<string, Value>, outputs: ReadonlySet<string>): number {
  return fuseHardSwish({ uses, constants, outputs });
}

/** The constant-into-bias fold, in place over `uses`; the count of folds. New biases go into `constants`. */
export function foldConstantsIntoBias(uses: NodeUses, constants: Map<string, Value>, outputs: ReadonlySet<string>): number {
  return foldConstantAdds({ uses, constants, outputs });
}
