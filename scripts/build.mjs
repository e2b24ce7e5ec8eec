#!/usr/bin/env node
// npm run build: dist/ from src/, one ES module per source module (es2022, source maps), WGSL inlined as string
// modules, then the .d.ts files from tsc. Entries: the browser API (index), the Node API (node), the CLI (cli),
// and every `new URL('./x.js', import.meta.url)` target in src (module workers), so each stays its own file at
// the relative path the URL names and the app's bundler can pick it up.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const out = join(root, 'dist');

function listFiles(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

const sources = (dir) => listFiles(dir).filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'));

/** Module-worker (or other URL-loaded) files named by `new URL('./x.js', import.meta.url)`, as entries. */
function urlEntries() {
  const entries = {};
  const re = /new URL\(\s*['"](\.{1,2}\/[^'"]+)\.js['"]\s*,\s*import\.meta\.url\s*\)/g;
  for (const file of sources(src)) {
    for (const m of readFileSync(file, 'utf8').matchAll(re)) {
      const target = resolve(dirname(file), `${m[1]}.ts`);
      if (!target.startsWith(src + '/')) throw new Error(`${relative(root, file)}: new URL target ${m[1]}.js is outside src/`);
      try {
        statSync(target);
      } catch {
        throw new Error(`${relative(root, file)}: new URL('${m[1]}.js', import.meta.url) names no source file (${relative(root, target)})`);
      }
      entries[relative(src, target).slice(0, -3)] = target;
    }
  }
  return entries;
}

// WGSL ships without its comments (about half its gzip size), except the `// #include` lines src/gpu/wgsl.ts
// resolves at run time; every line stays, so compile errors number the lines of shaders/*.wgsl.
const stripWgslComments = (text) =>
  text.split('\n').map((l) => (/^\s*\/\/ #include /.test(l) ? l : l.replace(/\s*\/\/.*$/, ''))).join('\n');

// `import x from './a.wgsl?raw'` (Vite's form, used in dev and tests) becomes a module exporting the text.
const rawText = {
  name: 'raw-text',
  resolveId(id, importer) {
    if (!id.endsWith('?raw') || !importer) return null;
    return resolve(dirname(importer), id.slice(0, -4)) + '?raw';
  },
  load(id) {
    if (!id.endsWith('?raw')) return null;
    const file = id.slice(0, -4);
    const text = readFileSync(file, 'utf8');
    return { code: `export default ${JSON.stringify(file.endsWith('.wgsl') ? stripWgslComments(text) : text)};`, moduleSideEffects: false };
  },
};

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
const external = (id) => id.startsWith('node:') || deps.some((d) => id === d || id.startsWith(`${d}/`));

rmSync(out, { recursive: true, force: true });
const input = { index: join(src, 'index.ts'), node: join(src, 'node.ts'), cli: join(src, 'cli/index.ts'), ...urlEntries() };
await build({
  input,
  cwd: root,
  platform: 'neutral',
  external,
  plugins: [rawText],
  transform: { target: 'es2022' },
  tsconfig: join(root, 'tsconfig.json'),
  logLevel: 'warn',
  output: {
    dir: out,
    format: 'es',
    sourcemap: true,
    preserveModules: true,
    preserveModulesRoot: root,
    entryFileNames: (chunk) => {
      const id = chunk.facadeModuleId ?? '';
      if (id === input.cli) return 'cli.js';
      return relative(root, id.replace(/\?raw$/, '')).replace(/^src\//, '').replace(/\.(ts|js)$/, '') + '.js';
    },
  },
});

// Generated modules (WGSL text, the protobuf code from onnx.proto) have no readable source: no maps for them.
for (const file of listFiles(out).filter((f) => /\.wgsl\.js$|\/onnx\/onnx-proto(-encode)?\.js$/.test(f))) {
  rmSync(`${file}.map`, { force: true });
  writeFileSync(file, readFileSync(file, 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n'));
}

// Declarations for the public entries (tsconfig.build.json), written beside the JS.
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
console.log(`build: dist/ from ${Object.keys(input).length} entries (${Object.keys(input).join(', ')})`);
