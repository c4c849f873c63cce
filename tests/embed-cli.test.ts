import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, codesearch, FORBID_RUNTIME, MINI_REPO, REPO_ROOT } from './helpers/cli.js';
import { copyStdlibModules, SMALL_STDLIB_SUBSET } from './helpers/python-stdlib.js';
import { type RunResult, stripAnsi } from './helpers/run.js';

// End-to-end tests of `codesearch embed`, the main job: the built CLI, the real model
// (provisioned by `npm run setup`), real files, a real cache file.

interface JsonReport {
  summary: { total: number; success: number; failed: number; cached: number; newlyEmbedded: number };
  errors: Record<string, string>;
  metadata: { modelName: string; modelVersion: string; dimensions: number; cacheLocation?: string };
  warnings: string[];
  parse: { files: number; entities: number; skipped: number; errors: unknown[] };
}

function jsonOf(result: RunResult): JsonReport {
  if (result.code !== 0) throw new Error(`exit ${result.code ?? result.signal}\n${result.stderr}`);
  return JSON.parse(result.stdout) as JsonReport;
}

/** Entities `codesearch parse` finds: the independent count the embed totals must match. */
async function entityKeys(root: string): Promise<string[]> {
  const result = await codesearch(['parse', root, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { filePath: string; lineNumber: number })
    .map((entity) => `${entity.filePath}:${entity.lineNumber}`);
}

/** Content keys in a JSON cache file, as written on disk. */
async function cacheFileKeys(file: string): Promise<string[]> {
  const data = JSON.parse(await readFile(file, 'utf8')) as { embeddings: Record<string, unknown> };
  return Object.keys(data.embeddings);
}

async function cacheFileEntries(file: string): Promise<number> {
  return (await cacheFileKeys(file)).length;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-embed-e2e-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('codesearch embed on the mini repository', () => {
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = path.join(scratch, 'mini-cache');
  });

  it('embeds every entity the parser finds, writes the cache, and prints a summary', async () => {
    const expectedKeys = await entityKeys(MINI_REPO);
    expect(expectedKeys.length).toBeGreaterThan(5);
    const output = path.join(scratch, 'mini-result.json');
    const result = await codesearch(['embed', MINI_REPO, '--cache', cacheDir, '--output', output]);
    expect(result.code, result.stderr).toBe(0);
    const table = stripAnsi(result.stdout);
    expect(table).toMatch(new RegExp(`entities\\s*│?\\s*${expectedKeys.length}\\b`));
    expect(table).toMatch(/newly embedded\s*│?\s*\d+/);
    expect(existsSync(path.join(cacheDir, 'cache.json'))).toBe(true);

    const full = JSON.parse(await readFile(output, 'utf8')) as {
      embeddings: Record<string, number[] | null>;
      metadata: { dimensions: number };
    };
    expect(Object.keys(full.embeddings).sort()).toEqual([...expectedKeys].sort());
    for (const vector of Object.values(full.embeddings)) {
      expect(vector).toHaveLength(full.metadata.dimensions);
      const norm = Math.hypot(...(vector as number[]));
      expect(norm).toBeCloseTo(1, 4);
    }
  });

  it('serves a second run wholly from the cache without loading the model runtime', async () => {
    const keys = await entityKeys(MINI_REPO);
    // The guard must be able to fail: the same run without a cache needs the runtime and dies.
    const uncached = await codesearch(['embed', MINI_REPO, '--no-cache', '--json'], {
      nodeOptions: ['--import', FORBID_RUNTIME],
    });
    expect(uncached.code).not.toBe(0);
    expect(uncached.stderr + uncached.stdout).toMatch(/forbidden in this test/);

    const cached = jsonOf(
      await codesearch(['embed', MINI_REPO, '--cache', cacheDir, '--json'], {
        nodeOptions: ['--import', FORBID_RUNTIME],
      }),
    );
    expect(cached.summary).toEqual({
      total: keys.length,
      success: keys.length,
      failed: 0,
      cached: keys.length,
      newlyEmbedded: 0,
    });
  });

  it('re-embeds an edited function and serves a moved one from the cache', async () => {
    const tree = path.join(scratch, 'edited-repo');
    await cp(MINI_REPO, tree, { recursive: true });
    const cache = path.join(scratch, 'edit-cache');
    const first = jsonOf(await codesearch(['embed', tree, '--cache', cache, '--json']));
    expect(first.summary.newlyEmbedded).toBe(first.summary.total);

    const util = path.join(tree, 'app', 'util.py');
    const source = await readFile(util, 'utf8');
    // Three blank lines on top move every entity of the file; nothing else changes.
    await writeFile(util, `\n\n\n${source}`);
    const moved = jsonOf(await codesearch(['embed', tree, '--cache', cache, '--json']));
    expect(moved.summary).toMatchObject({ cached: first.summary.total, newlyEmbedded: 0 });

    // An edit inside one function body changes that function's text (and its file's classes, if any).
    const edited = source.replace(/return /, 'return  # edited\n    ');
    expect(edited).not.toBe(source);
    await writeFile(util, `\n\n\n${edited}`);
    const after = jsonOf(await codesearch(['embed', tree, '--cache', cache, '--json']));
    expect(after.summary.newlyEmbedded).toBeGreaterThanOrEqual(1);
    expect(after.summary.newlyEmbedded).toBeLessThan(first.summary.total);
    expect(after.summary.cached + after.summary.newlyEmbedded).toBe(after.summary.total);
  });

  it('exits 1 with a one-line cause for a missing path, and names how to get a missing model', async () => {
    const missing = await codesearch(['embed', path.join(scratch, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope: no such directory/);

    const emptyModels = path.join(scratch, 'no-models');
    const noModel = await codesearch([
      'embed',
      MINI_REPO,
      '--no-cache',
      '--model',
      path.join(emptyModels, 'absent-model'),
    ]);
    expect(noModel.code).toBe(1);
    const lines = noModel.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/absent-model/);
    expect(lines.at(-1)).toMatch(/not found/);
  });
});

describe('codesearch embed on a real tree (Python standard library modules)', () => {
  let tree: string;
  let keys: string[];
  beforeAll(async () => {
    tree = path.join(scratch, 'stdlib');
    await copyStdlibModules(tree, SMALL_STDLIB_SUBSET);
    keys = await entityKeys(tree);
  });

  it('test_real_codebase: embeds 100+ real functions with no failures and the right counts', async () => {
    expect(keys.length).toBeGreaterThanOrEqual(100);
    const report = jsonOf(await codesearch(['embed', tree, '--no-cache', '--json']));
    expect(report.summary.total).toBe(keys.length);
    expect(report.summary.failed).toBe(0);
    expect(report.summary.success).toBe(keys.length);
    expect(report.metadata.dimensions).toBe(384);
    expect(report.parse.errors).toEqual([]);
  });

  it('after SIGKILL mid-run, the cache file is intact and the next run resumes from it', async () => {
    const cacheDir = path.join(scratch, 'killed-cache');
    const cacheFile = path.join(cacheDir, 'cache.json');
    const checkpointEvery = 32;
    const child = spawn(
      process.execPath,
      [BIN, 'embed', tree, '--cache', cacheDir, '--checkpoint-every', String(checkpointEvery)],
      { cwd: REPO_ROOT, stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    // Kill once at least two checkpoints are on disk, i.e. in the middle of embedding.
    const deadline = Date.now() + 120_000;
    let saved = 0;
    while (Date.now() < deadline) {
      if (existsSync(cacheFile) && (await stat(cacheFile)).size > 0) {
        saved = await cacheFileEntries(cacheFile).catch(() => 0);
        if (saved >= 2 * checkpointEvery) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(saved).toBeGreaterThanOrEqual(2 * checkpointEvery);

    const onDiskKeys = await cacheFileKeys(cacheFile); // parses: never a torn file
    const onDisk = onDiskKeys.length;
    expect(onDisk).toBeGreaterThanOrEqual(saved);

    const resumed = jsonOf(await codesearch(['embed', tree, '--cache', cacheDir, '--json']));
    expect(resumed.summary.failed).toBe(0);
    expect(resumed.summary.total).toBe(keys.length);
    // The cache holds texts (a long unit is several windows); a unit counts as cached only when
    // every window was: the resumed run served units from the cache and embedded the rest.
    expect(resumed.summary.cached).toBeGreaterThan(0);
    expect(resumed.summary.newlyEmbedded).toBe(keys.length - resumed.summary.cached);
    expect(resumed.summary.newlyEmbedded).toBeGreaterThan(0);
    const after = new Set(await cacheFileKeys(cacheFile));
    expect(
      onDiskKeys.filter((key) => !after.has(key)),
      'embeddings saved before the kill were lost',
    ).toEqual([]);
    expect(after.size).toBeGreaterThan(onDisk);
  });

  it('on SIGINT saves the cache, exits 130, and loses nothing it embedded', async () => {
    const cacheDir = path.join(scratch, 'interrupted-cache');
    const child = spawn(
      process.execPath,
      [BIN, 'embed', tree, '--cache', cacheDir, '--checkpoint-every', '100000'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Progress lines (not a TTY) report entities done; interrupt once some are.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && !/embedding: [1-9]\d*\//.test(stderr)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/SIGINT: stopping after the current batch/);
    const reported = Math.max(
      ...[...stderr.matchAll(/embedding: (\d+)\//g)].map((match) => Number(match[1])),
    );
    // No checkpoint fell due (every 100,000): everything on disk was saved by the signal handler.
    const onDisk = await cacheFileEntries(path.join(cacheDir, 'cache.json'));
    expect(onDisk).toBeGreaterThanOrEqual(reported);
    expect(onDisk).toBeLessThan(keys.length);
  });
});
