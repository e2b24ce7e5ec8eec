#!/usr/bin/env node
// Launcher for the bundled CLI (vite.cli.config.ts builds src/cli/index.ts into dist/cli.js).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('sepconv: dist/cli.js is missing; run npm run build first');
  process.exit(1);
}
const { main } = await import(cli.href);
const code = await main(process.argv.slice(2));
// Dawn (the `webgpu` package) can keep the event loop alive after a GPU command: exit once stdout has drained.
process.stdout.write('', () => process.exit(code));
