// Consumer check, run by test/consumer.test.ts inside a throw-away app where the packed tarball is installed:
// plain Node ESM, the package's public entry only. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { load, readNpy } from 'sepconv';

const [modelPath, inputPath, outputPath, backends] = process.argv.slice(2);
const input = readNpy(readFileSync(inputPath));
const expected = readNpy(readFileSync(outputPath));
const results = [];
for (const backend of backends.split(',')) {
  const model = await load(new Uint8Array(readFileSync(modelPath)), { backend });
  const out = [...(await model.run({ [model.graph.graph.inputs[0].name]: input })).values()][0];
  let excess = 0;
  let maxAbs = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const d = Math.abs(out.data[i] - expected.data[i]);
    maxAbs = Math.max(maxAbs, d);
    excess = Math.max(excess, d - 1e-4 * Math.abs(expected.data[i]));
  }
  results.push({ backend, used: model.backend, reason: model.reason, shape: out.shape, n: out.data.length, maxAbs, excess });
  model.dispose();
}
console.log(JSON.stringify(results));
// Dawn can keep the event loop alive after its last command.
process.stdout.write('', () => process.exit(0));
