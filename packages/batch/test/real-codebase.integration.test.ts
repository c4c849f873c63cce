import { execFileSync } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedRepository } from '../src/index.js';
import { norm, requireModelsDir, tempDir } from './support.js';

/** Real, varied Python from this machine's standard library. */
const MODULES = ['textwrap.py', 'shlex.py', 'fractions.py', 'csv.py', 'string.py', 'difflib.py', 'json'];

let modelsDir = '';
let stdlib = '';
beforeAll(async () => {
  modelsDir = await requireModelsDir();
  stdlib = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], {
    encoding: 'utf8',
  }).trim();
});

describe('a real codebase', () => {
  it('test_real_codebase: embeds 100+ functions from the Python standard library; the cached rerun is faster', async () => {
    const dir = await tempDir();
    const root = path.join(dir, 'stdlib');
    for (const module of MODULES)
      await cp(path.join(stdlib, module), path.join(root, module), { recursive: true });
    const cacheFile = path.join(dir, 'cache.json');
    const errors: string[] = [];
    const logger = { warn: (m: string) => errors.push(m), error: (m: string) => errors.push(m) };

    const first = await embedRepository(root, { modelsDir, cache: cacheFile, logger });
    const { summary } = first.result;
    const functions = first.entities.filter((e) => e.kind !== 'class');
    expect(functions.length).toBeGreaterThanOrEqual(100);
    expect(first.parse.errors).toEqual([]);
    expect(first.parse.stats.filesParsed).toBe(6 + 5); // six modules and the json package's five
    expect(summary.total).toBe(first.entities.length);
    expect(summary.failed).toBe(0);
    expect(errors).toEqual([]);
    expect(summary.success).toBe(summary.total);
    // Every unit is either newly embedded (at least one of its windows) or cached (shared texts).
    expect(summary.newlyEmbedded + summary.cached).toBe(summary.total);
    for (const key of first.result.keys) {
      const vector = first.result.embeddings[key]!;
      expect(vector).toHaveLength(384);
      expect(Math.abs(norm(vector) - 1)).toBeLessThan(1e-4);
    }
    expect(new Set(first.result.keys).size).toBe(first.result.keys.length);

    const second = await embedRepository(root, { modelsDir, cache: cacheFile });
    expect(second.result.summary).toMatchObject({ cached: summary.total, newlyEmbedded: 0, failed: 0 });
    expect(second.result.metadata.durationMs!).toBeLessThan(first.result.metadata.durationMs! / 3);
  }, 180_000);
});
