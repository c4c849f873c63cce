import { defineConfig } from 'vitest/config';

/** Shared settings: tests run on `src/` through the `@codesearch/source` export condition. */
export function packageTestConfig(name: string) {
  return defineConfig({
    resolve: { conditions: ['@codesearch/source'] },
    ssr: { resolve: { conditions: ['@codesearch/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 30_000,
      coverage: { provider: 'v8', include: ['src/**/*.ts'], exclude: ['src/**/*.test.ts'] },
    },
  });
}
