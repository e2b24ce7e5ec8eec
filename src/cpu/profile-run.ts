import type { LayerProfile } from '../engine.js';
import type { ResolvedGraph } from '../graph/resolve.js';
import type { Tensor } from '../tensor.js';
import type { OutputBuffers } from './arena/program.js';
import type { CpuRunner } from './runner.js';

/** A run's outputs with its per-layer profile. */
export function profileRun(rg: ResolvedGraph, runner: CpuRunner, inputs: Record<string, unknown>, into?: OutputBuffers): { outputs: Map<string, Tensor>; profile: LayerProfile } {
  const profile: LayerProfile = { source: 'cpu', layers: [] };
  const outputs = runner.run(inputs, (i, ms) => profile.layers.push({ node: rg.nodes[i]!.node.name, op: rg.nodes[i]!.node.op, ms }), into);
  return { outputs, profile };
}
