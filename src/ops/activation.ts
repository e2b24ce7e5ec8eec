/**
 * An activation fused into a Conv/Gemm/MatMul epilogue (applied after the bias). ONNX nodes parse with
 * `{kind: 'none'}`; a graph optimiser sets it when it folds a following Relu/Clip/... into the node.
 */
export type FusedActivation =
  | { kind: 'none' }
  | { kind: 'relu' }
  | { kind: 'clip'; min: number; max: number }
  | { kind: 'sigmoid' }
  | { kind: 'hardsigmoid'; alpha: number; beta: number }
  /** x · clip(x/6 + 1/2, 0, 1), times `gain` (default 1): TF exports spell x·relu6(x+3)·s with s = 1/6 in float16. */
  | { kind: 'hardswish'; gain?: number };

export const NO_ACTIVATION: FusedActivation = Object.freeze({ kind: 'none' });

// Comparisons are written so that NaN falls through unchanged, as in PyTorch (relu(NaN) = clamp(NaN) = NaN).
// One scalar function per kind with arithmetic: applyActivation and the per-kind loops of applyActivationRange
// both call it (small enough to inline into the loops).
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function hardSigmoid(x: number, alpha: number, beta: number): number {
  const v = alpha * x + beta;
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function hardSwish(x: number, gain: number | undefined): number {
  const v = x / 6 + 0.5;
  const h = v < 0 ? 0 : v > 1 ? x : x * v;
  return gain === undefined ? h : h * gain;
}

export function applyActivation(x: number, act: FusedActivation): number {
  switch (act.kind) {
    case 'none':
      return x;
    case 'relu':
      return x < 0 ? 0 : x;
    case 'clip': {
      // min > max yields max everywhere, as torch.clamp
      const v = x < act.min ? act.min : x;
      return v > act.max ? act.max : v;
    }
    case 'sigmoid':
      return sigmoid(x);
    case 'hardsigmoid':
      return hardSigmoid(x, act.alpha, act.beta);
    case 'hardswish':
      return hardSwish(x, act.gain);
  }
}

/** The largest |output| of `act` over every finite input (NaN passes through): Infinity where unbounded. */
export function activationBound(act: FusedActivation): number {
  switch (act.kind) {
    case 'clip':
      return Math.max(Math.abs(act.min), Math.abs(act.max));
    case 'sigmoid':
    case 'hardsigmoid':
      return 1;
    default:
      return Infinity;
  }
}

/** Applies `act` in place to data[start, end); a no-op for 'none'. Kept monomorphic per kind for speed. */
export function applyActivationRange(data: Float32Array, start: number, end: number, act: FusedActivation): void {
  switch (act.kind) {
    case 'none':
      return;
    case 'relu':
      for (let i = start; i < end; i++) {
        const x = data[i]!;
        if (x < 0) data[i] = 0;
      }
      return;
    case 'clip': {
      const lo = act.min;
      const hi = act.max;
      for (let i = start; i < end; i++) {
        const v = data[i]! < lo ? lo : data[i]!;
        data[i] = v > hi ? hi : v;
      }
      return;
    }
    // one loop per kind: a per-element applyActivation call, switching on the kind, cost ~10x
    case 'hardswish': {
      const gain = act.gain;
      for (let i = start; i < end; i++) data[i] = hardSwish(data[i]!, gain);
      return;
    }
    case 'sigmoid':
      for (let i = start; i < end; i++) data[i] = sigmoid(data[i]!);
      return;
    case 'hardsigmoid': {
      const { alpha, beta } = act;
      for (let i = start; i < end; i++) data[i] = hardSigmoid(data[i]!, alpha, beta);
      return;
    }
  }
}
