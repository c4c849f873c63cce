import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll } from 'vitest';

// For package tests that start child processes (killed ones, other users): the package's
// `src/` transpiled to plain JS, runnable without a build. Shared by the packages' tests only;
// nothing here is published.

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) {
    spawnSync('chmod', ['-R', 'u+rwX', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

const compiled = new Map<string, string>();

/**
 * `<packageDir>/src` transpiled into a world-readable temp directory whose `node_modules` points
 * at the package's own (so its dependencies load from their built dists); returns the path of
 * `index.js`. `without` leaves top-level `node_modules` entries out (e.g. `@keyv` to simulate
 * missing optional peers). Made once per package and `without`, removed after the test file.
 */
export function childDist(packageDir: string, without: readonly string[] = []): string {
  const cacheKey = `${packageDir}\0${without.join(',')}`;
  const known = compiled.get(cacheKey);
  if (known) return known;
  const root = mkdtempSync(path.join(tmpdir(), `codesearch-${path.basename(packageDir)}-child-`));
  chmodSync(root, 0o755);
  created.push(root);
  const out = path.join(root, 'dist');
  mkdirSync(out, { mode: 0o755 });
  const src = path.join(packageDir, 'src');
  for (const name of readdirSync(src)) {
    if (!name.endsWith('.ts')) continue;
    const { outputText } = ts.transpileModule(readFileSync(path.join(src, name), 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    writeFileSync(path.join(out, name.replace(/\.ts$/, '.js')), outputText, { mode: 0o644 });
  }
  const modules = path.join(packageDir, 'node_modules');
  if (without.length === 0) {
    symlinkSync(modules, path.join(root, 'node_modules'));
  } else {
    mkdirSync(path.join(root, 'node_modules'), { mode: 0o755 });
    for (const name of readdirSync(modules)) {
      if (!without.includes(name))
        symlinkSync(path.join(modules, name), path.join(root, 'node_modules', name));
    }
  }
  writeFileSync(path.join(root, 'package.json'), '{"type":"module"}', { mode: 0o644 });
  const entry = path.join(out, 'index.js');
  compiled.set(cacheKey, entry);
  return entry;
}
