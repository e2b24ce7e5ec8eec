// Type-checked by test/consumer.test.ts against the shipped .d.ts (tsc --strict, nodenext and bundler).
import { GpuError, load, type LoadOptions, type Model, type Tensor } from 'sepconv';

export async function classify(bytes: Uint8Array, data: Float32Array): Promise<{ backend: 'webgpu' | 'cpu'; logits: Float32Array }> {
  const opts: LoadOptions = { backend: 'auto', inputShapes: { input: [1, 3, 64, 64] } };
  const model: Model = await load(bytes, opts);
  try {
    const input: Tensor = { shape: [1, 3, 64, 64], data };
    const out = await model.run({ input });
    const first = out.values().next().value;
    if (!first) throw new GpuError('no output', 'GPU_UNAVAILABLE');
    return { backend: model.backend, logits: first.data };
  } finally {
    model.dispose();
  }
}
