// Shared by both pages: fetch the bundled example and its PyTorch output, run, compare, publish the result.
import { readNpy, type Model } from 'sepconv';
import type { ConsumerResult } from './result.js';

const bytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());

export async function check(open: (model: Uint8Array) => Promise<Model>): Promise<void> {
  const w = window as unknown as { __result?: ConsumerResult };
  try {
    const [model, input, expected] = await Promise.all([bytes('model.onnx'), bytes('input.npy'), bytes('output.npy')]);
    const m = await open(model);
    const out = [...(await m.run({ [m.graph.graph.inputs[0]!.name]: readNpy(input) })).values()][0]!;
    const want = readNpy(expected).data;
    let excess = 0;
    let maxAbs = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(out.data[i]! - want[i]!);
      maxAbs = Math.max(maxAbs, d);
      excess = Math.max(excess, d - 1e-4 * Math.abs(want[i]!));
    }
    w.__result = { used: m.backend, reason: m.reason, shape: [...out.shape], maxAbs, excess };
    m.dispose();
  } catch (e) {
    w.__result = { error: String((e as Error).stack ?? e) };
  }
}
