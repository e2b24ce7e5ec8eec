import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

// One-file Node bundles of repo scripts (npm run zoo: scripts/zoo-check.ts). Node built-ins and the native Dawn
// binding stay external; everything else (pbf, flatbuffers, the `?raw` WGSL sources) is bundled. The package and its
// CLI (dist/cli.js) are built by scripts/build.mjs.
const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'webgpu', /^webgpu\//];

export default defineConfig({
  publicDir: false,
  ssr: {
    noExternal: true,
    external: ['webgpu'],
    target: 'node',
  },
  build: {
    ssr: 'src/cli/index.ts',
    outDir: 'dist',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    copyPublicDir: false,
    rolldownOptions: {
      external,
      output: { format: 'es', entryFileNames: 'cli.js', codeSplitting: false },
    },
  },
});
