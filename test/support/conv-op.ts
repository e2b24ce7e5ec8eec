// One Conv node parsed from ONNX attributes, its kernels callable directly (the CPU kernel tests).
import type { AttrValue, Node, Value } from '../../src/graph/ir.js';
import { Conv, type ConvAttrs } from '../../src/ops/conv.js';
import { NodeCtx } from '../../src/ops/types.js';
import type { Tensor } from '../../src/tensor.js';
import type { KernelOptions } from '../../src/cpu/kernel-options.js';
import { cpuKernel } from '../../src/cpu/kernels.js';

/** Conv(x, w, b) with `attrs` as ONNX spells them and `over` replacing parsed fields (e.g. a fused act). */
export function convOp(x: Tensor, w: Tensor, b: Tensor | null, attrs: Record<string, AttrValue>, over: Partial<ConvAttrs> = {}) {
  const inputs = [x, w, b];
  const n: Node = { name: 'c', op: 'Conv', inputs: inputs.map((v, i) => (v ? `i${i}` : '')), outputs: ['y'], attrs };
  const ctx = new NodeCtx(n, inputs.map((v) => v?.shape), inputs.map((v) => v ?? undefined));
  const a = { ...Conv.parse(ctx), ...over };
  const args: Value[] = inputs.map((v) => v ?? { shape: [0], data: new Float32Array(0) });
  return {
    a,
    ref: () => (Conv.reference(args, a)[0] as Tensor).data,
    /** The CPU backend's kernel, with `opts` (e.g. { wasm: false }: the JavaScript kernels). */
    fast: (opts?: KernelOptions) => (cpuKernel(Conv)(args, a, opts)[0] as Tensor).data,
  };
}
