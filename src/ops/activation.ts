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
      return 1 / (1 + Math.exp(-x));
    case 'hardsigmoid': {
      const v = act.alpha * x + act.beta;
      return v < 0 ? 0 : v > 1 ? 1 : v;
    }
    case 'hardswish': {
      const v = x / 6 + 0.5;
      const h = v < 0 ? 0 : v > 1 ? x : x * v;
      return act.gain === undefined ? h : h * act.gain;
    }
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
    case 'hardswish': {
      // the same arithmetic as applyActivation, in its own loop: a per-element call on the kind costs ~10x
      const gain = act.gain;
      for (let i = start; i < end; i++) {
        const x = data[i]!;
        const v = x / 6 + 0.5;
        const h = v < 0 ? 0 : v > 1 ? x : x * v;
        data[i] = gain === undefined ? h : h * gain;
      }
      return;
    }
    case 'sigmoid':
      for (let i = start; i < end; i++) data[i] = 1 / (1 + Math.exp(-data[i]!));
      return;
    case 'hardsigmoid': {
      const { alpha, beta } = act;
      for (let i = start; i < end; i++) {
        const v = alpha * data[i]! + beta;
        data[i] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
      return;
    }
  }
}
