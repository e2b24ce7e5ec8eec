import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

// Node built-ins and the native Dawn binding stay external; everything else (protobufjs, the `?raw` WGSL
// sources) is bundled into one ES module that bin/sepconv.js imports.
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
