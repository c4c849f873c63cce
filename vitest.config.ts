import { defineConfig } from 'vitest/config';

// One entry point for editors and `vitest` at the root; each project has its own config.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tests'],
  },
});
