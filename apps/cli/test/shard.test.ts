import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseDirectory } from '@codesearch/parser';
import { InvalidArgumentError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkOptions } from '../src/options.js';
import { parseShard, type Shard, shardFilter, shardOfPath } from '../src/shard.js';

describe('parseShard', () => {
  it('reads i/n with i counted from 1', () => {
    expect(parseShard('1/2')).toEqual({ index: 1, count: 2 });
    expect(parseShard('2/2')).toEqual({ index: 2, count: 2 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    expect(parseShard(' 7/16 ')).toEqual({ index: 7, count: 16 });
  });

  it('rejects what is not a shard, saying what is expected', () => {
    expect(() => parseShard('0/2')).toThrow("not a shard: '0/2' (i counts from 1 to n, here 1 to 2)");
    expect(() => parseShard('3/2')).toThrow("not a shard: '3/2' (i counts from 1 to n, here 1 to 2)");
    expect(() => parseShard('1/0')).toThrow("not a shard: '1/0' (n must be at least 1)");
    for (const bad of ['a/b', '1.5/2', '-1/2', '1/-2', '1', '1/2/3', '', '/2', '99999999999999999999/1']) {
      expect(() => parseShard(bad)).toThrow(InvalidArgumentError);
      expect(() => parseShard(bad)).toThrow(`not a shard: '${bad}'`);
    }
  });
});

describe('shardOfPath', () => {
  // Computed outside Node: `printf '%s' PATH | sha256sum`, the first 12 hex digits modulo n,
  // plus one (bash arithmetic). Pins the partition across machines, runs and versions.
  const expected: Array<[string, { 2: number; 3: number; 7: number }]> = [
    ['app/models.py', { 2: 1, 3: 1, 7: 7 }],
    ['app/util.py', { 2: 1, 3: 1, 7: 6 }],
    ['cmd/main.go', { 2: 2, 3: 1, 7: 6 }],
    ['web/server.ts', { 2: 2, 3: 3, 7: 3 }],
    ['scratch.py', { 2: 2, 3: 1, 7: 3 }],
    ['src/caf\u00e9.py', { 2: 2, 3: 2, 7: 6 }],
  ];

  it('is the SHA-256 of the path modulo n, plus one', () => {
    for (const [file, shards] of expected) {
      for (const count of [2, 3, 7] as const) expect(shardOfPath(file, count), file).toBe(shards[count]);
    }
  });

  it('puts a decomposed (NFD) name in the shard of its composed (NFC) spelling', () => {
    expect(shardOfPath('src/cafe\u0301.py', 2)).toBe(2);
    expect(shardOfPath('src/cafe\u0301.py', 7)).toBe(6);
  });

  it('splits paths into n parts with no overlap and no gap, each part near 1/n', () => {
    const paths = Array.from({ length: 3000 }, (_, i) => `src/module${i % 37}/file_${i}.py`);
    for (const count of [1, 2, 3, 5, 8]) {
      const filters = Array.from({ length: count }, (_, i) => shardFilter({ index: i + 1, count }));
      const sizes = new Array<number>(count).fill(0);
      for (const file of paths) {
        const owners = filters.flatMap((inShard, i) => (inShard(file) ? [i] : []));
        expect(owners, file).toHaveLength(1);
        sizes[owners[0]!]!++;
      }
      for (const size of sizes) {
        expect(size).toBeGreaterThan((paths.length / count) * 0.8);
        expect(size).toBeLessThan((paths.length / count) * 1.2);
      }
    }
  });
});

describe('the walk of one shard', () => {
  let root: string;
  const files = Array.from({ length: 40 }, (_, i) => `pkg${i % 4}/mod_${i}.py`);

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'codesearch-shard-'));
    for (const file of files) {
      await mkdir(path.join(root, path.dirname(file)), { recursive: true });
      await writeFile(path.join(root, file), `def f_${file.replace(/\W/g, '_')}():\n    return 1\n`);
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function walkedFiles(shard?: Shard): Promise<string[]> {
    const parsed = await parseDirectory(root, { ...walkOptions(shard ? { shard } : {}), concurrency: 1 });
    return parsed.files.map((file) => file.filePath).sort();
  }

  it('parses exactly the whole tree across the n shards, each file once', async () => {
    const whole = await walkedFiles();
    expect(whole).toEqual([...files].sort());
    for (const count of [2, 3]) {
      const parts = await Promise.all(
        Array.from({ length: count }, (_, i) => walkedFiles({ index: i + 1, count })),
      );
      for (const part of parts) expect(part.length).toBeGreaterThan(0);
      expect(parts.flat().sort()).toEqual(whole);
    }
  });

  it('keeps every file in its shard when the rest of the tree changes', async () => {
    const before = await walkedFiles({ index: 1, count: 3 });
    expect(before.length).toBeLessThan(files.length);
    const added = Array.from({ length: 20 }, (_, i) => `extra/new_${i}.py`);
    for (const file of added) {
      await mkdir(path.join(root, 'extra'), { recursive: true });
      await writeFile(path.join(root, file), 'def g():\n    return 2\n');
    }
    await rm(path.join(root, files[0]!));
    const after = await walkedFiles({ index: 1, count: 3 });
    const kept = after.filter((file) => !file.startsWith('extra/'));
    expect(kept).toEqual(before.filter((file) => file !== files[0]));
    expect(after.length).toBeGreaterThan(kept.length);
  });
});
