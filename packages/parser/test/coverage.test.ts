import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Language } from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { detectLanguage, parseSource } from '../src/index.js';
import { uncoveredLines } from './coverage-lines.js';
import { FIXTURES } from './helpers.js';

const REPOSITORY = fileURLToPath(new URL('../../../', import.meta.url));

function filesUnder(root: string, keep: (file: string) => boolean): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter(keep)
    .map((file) => path.join(root, file))
    .sort();
}

function checkCoverage(files: readonly string[]): void {
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const language = detectLanguage(file) as Language | undefined;
    if (!language) continue;
    const source = readFileSync(file, 'utf8');
    const { entities } = parseSource(source, language, file);
    expect(uncoveredLines(source, entities), file).toEqual([]);
  }
}

describe('every non-blank line is in a unit (or attached above one)', () => {
  it('in every fixture file', () => {
    checkCoverage(filesUnder(FIXTURES, (file) => detectLanguage(file) !== undefined));
  });

  it("in the repository's own TypeScript sources", () => {
    const packages = path.join(REPOSITORY, 'packages');
    checkCoverage(
      readdirSync(packages).flatMap((name) =>
        filesUnder(
          path.join(packages, name, 'src'),
          (file) => /\.tsx?$/.test(file) && !file.endsWith('.d.ts'),
        ),
      ),
    );
  });

  const probe = spawnSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], {
    encoding: 'utf8',
  });
  it.skipIf(probe.status !== 0)('in a sample of the Python standard library', () => {
    const stdlib = probe.stdout.trim();
    const files = filesUnder(stdlib, (file) => file.endsWith('.py') && !file.includes('site-packages'));
    // Every 15th file: about 120 files of every style, from `__future__` to `zipfile`.
    checkCoverage(files.filter((_file, index) => index % 15 === 0));
  });

  // The search-quality benchmark's corpora, when a bench run has fetched them: real Go, Rust,
  // Java and JavaScript files.
  const corpora = path.join(os.homedir(), '.cache/codesearch-bench/eval');
  const real = ['gorilla-mux', 'cobra', 'serde-json', 'axum', 'jsoup', 'gson', 'express', 'axios'];
  it.skipIf(!existsSync(corpora))('in real Go, Rust, Java and JavaScript projects (every 3rd file)', () => {
    const files = real
      .map((name) => path.join(corpora, name))
      .filter((root) => existsSync(root))
      .flatMap((root) =>
        filesUnder(root, (file) => detectLanguage(file) !== undefined && !file.includes('node_modules')),
      );
    checkCoverage(files.filter((_file, index) => index % 3 === 0));
  });
});
