// Child process of test/cpu-threads-node.test.ts: the Node thread team installed as node.ts does (the bundler
// drops node.ts's own side effects: the package.json sideEffects list names dist/node.js only), one CPU model on
// two threads, one run, then dispose() or not (argv[2]); the process must then exit on its own.
import { GraphBuilder } from '../../src/builder.js';
import { setCallerThreads } from '../../src/cpu/backend.js';
import { defaultThreads, nodeTeam } from '../../src/cpu/thread-team-node.js';
import { load } from '../../src/model.js';

setCallerThreads({ defaultThreads, team: nodeTeam });

const b = new GraphBuilder('block', { seed: 2 });
const x = b.input('x', [1, 8, 15, 15]);
const d = b.relu6(b.depthwiseConv2d(b.relu6(b.pointwiseConv2d(x, 8, 48)), 48, 3, { padding: 1 }));
b.output(b.pointwiseConv2d(d, 48, 8), 'y');
const m = await load(b.build(), { backend: 'cpu', numThreads: 2 });
await m.run({ x: new Float32Array(8 * 15 * 15).fill(0.5) });
console.log(m.reason);
if (process.argv[2] === 'dispose') m.dispose();
