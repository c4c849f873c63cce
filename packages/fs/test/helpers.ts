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
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll } from 'vitest';

const created: string[] = [];
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'codesearch-fs-'));
  chmodSync(dir, 0o755);
  created.push(dir);
  return dir;
}

const PACKAGE = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
let compiled: string | undefined;

/**
 * `src/` transpiled to plain JS in a temp directory whose `node_modules` points at this
 * package's, so child processes run the code under test without a build. Returns the entry.
 */
export function childDist(): string {
  if (compiled) return compiled;
  const root = tempDir();
  const out = path.join(root, 'dist');
  mkdirSync(out);
  const src = path.join(PACKAGE, 'src');
  for (const name of readdirSync(src)) {
    if (!name.endsWith('.ts')) continue;
    const { outputText } = ts.transpileModule(readFileSync(path.join(src, name), 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    writeFileSync(path.join(out, name.replace(/\.ts$/, '.js')), outputText);
  }
  symlinkSync(path.join(PACKAGE, 'node_modules'), path.join(root, 'node_modules'));
  writeFileSync(path.join(root, 'package.json'), '{"type":"module"}');
  compiled = path.join(out, 'index.js');
  return compiled;
}
