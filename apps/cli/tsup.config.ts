import { defineConfig } from 'tsup';

// One ESM file for the command; the codesearch packages and native grammars stay external
// (they are dependencies, and tree-sitter's addons cannot be bundled).
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
});
