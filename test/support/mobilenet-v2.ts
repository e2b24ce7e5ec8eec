// torchvision's MobileNetV2 (width 1.0) built in code with seeded random weights: the full-size network for
// tests that need its cost and structure (conv+BN already folded: every conv has a bias), not its accuracy.
import { GraphBuilder } from '../../src/builder.js';
import type { Graph } from '../../src/graph/ir.js';

/** [expansion t, channels c, repeats n, first stride s], as in torchvision.models.mobilenetv2. */
const SETTINGS: [number, number, number, number][] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

export function mobilenetV2(size: number, classes = 1000, seed = 7): Graph {
  const b = new GraphBuilder('mobilenet_v2', { seed });
  let x = b.input('input', [1, 3, size, size]);
  x = b.relu6(b.conv2d(x, 3, 32, 3, { stride: 2, padding: 1 }));
  let c = 32;
  for (const [t, cout, n, s] of SETTINGS)
    for (let i = 0; i < n; i++) {
      const hidden = c * t;
      let y = x;
      if (t !== 1) y = b.relu6(b.pointwiseConv2d(y, c, hidden));
      y = b.relu6(b.depthwiseConv2d(y, hidden, 3, { stride: i === 0 ? s : 1, padding: 1 }));
      y = b.pointwiseConv2d(y, hidden, cout);
      x = i > 0 || (s === 1 && c === cout) ? b.add(x, y) : y;
      c = cout;
    }
  x = b.relu6(b.pointwiseConv2d(x, c, 1280));
  b.output(b.linear(b.flatten(b.globalAvgPool(x)), 1280, classes), 'output');
  return b.build();
}
