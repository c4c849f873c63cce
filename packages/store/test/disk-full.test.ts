import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '@codesearch/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CodeIndex,
  checkIndexLocation,
  type IndexRecord,
  MARKER_FILE,
  openCodeIndex,
} from '../src/index.js';
import { MODEL, record, track, unit } from './helpers.js';

// ENOSPC for real: a 2 MiB tmpfs mounted for this file (root only; skipped otherwise).

function mountTinyDisk(): { dir?: string; skipped?: string } {
  if (process.getuid?.() !== 0) return { skipped: 'needs root to mount a tmpfs' };
  const dir = mkdtempSync(join(tmpdir(), 'codesearch-store-tiny-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `mount -t tmpfs failed: ${(mounted.stderr || mounted.error?.message || '').trim()}` };
  }
  return { dir };
}

const disk = mountTinyDisk();

afterAll(() => {
  if (!disk.dir) return;
  spawnSync('umount', [disk.dir]);
  rmSync(disk.dir, { recursive: true, force: true });
});

/** Rows that do not compress: ~6 MiB of random text, three times the disk. */
function tooBig(): IndexRecord[] {
  return Array.from({ length: 3000 }, (_, i) => ({
    ...record({ file: `big${i % 50}.py`, line: i + 1, name: `big_${i}`, vector: unit(1, i % 5, i % 3) }),
    text: randomBytes(512).toString('hex'),
  }));
}

const old = [
  record({ file: 'a.py', line: 1, name: 'read_config', doc: 'Read the configuration.', vector: unit(1) }),
  record({ file: 'b.py', line: 1, name: 'write_config', vector: unit(0, 1) }),
];

async function keys(index: CodeIndex): Promise<string[]> {
  const hits = await index.search({ text: '', vector: unit(1, 1) }, { mode: 'vector', k: 100 });
  return hits.map((hit) => hit.locationKey).sort();
}

async function expectDiskFull(promise: Promise<unknown>, dir: string): Promise<void> {
  const error = await promise.then(
    () => {
      throw new Error('expected the write to fail with ENOSPC');
    },
    (e: unknown) => e,
  );
  expect(StoreError.isInstance(error), String(error)).toBe(true);
  expect(error).toMatchObject({ code: 'WRITE_FAILED', directory: dir });
  expect((error as Error).message).toContain(dir);
  expect((error as Error).message).toMatch(/ENOSPC|No space left on device/);
}

const generations = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith('gen-'));

describe.skipIf(!disk.dir)(`a full disk${disk.skipped ? ` (skipped: ${disk.skipped})` : ''}`, () => {
  it('a rebuild that does not fit fails naming ENOSPC; the old index answers; the partial generation is removed', async () => {
    const dir = join(disk.dir!, 'rebuild');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await index.sync(old);
    const before = await generations(dir);
    const rebuild = track(await openCodeIndex(dir, { model: MODEL, rebuild: true }));
    await expectDiskFull(rebuild.sync(tooBig()), dir);
    expect(await generations(dir)).toEqual(before);
    expect(await keys(index)).toEqual(['a.py:1', 'b.py:1']);
    const fresh = track(await openCodeIndex(dir, { model: MODEL, create: false }));
    expect(await keys(fresh)).toEqual(['a.py:1', 'b.py:1']);
    expect((await fresh.search({ text: 'configuration' }, { mode: 'lexical' }))[0]?.locationKey).toBe(
      'a.py:1',
    );
    // An incremental sync that does not fit: the last committed version stays.
    await expectDiskFull(index.sync([...old, ...tooBig()]), dir);
    expect(await keys(fresh)).toEqual(['a.py:1', 'b.py:1']);
    await rm(dir, { recursive: true });
  }, 60_000);

  it('a first build that does not fit leaves no index (never an empty one)', async () => {
    const dir = join(disk.dir!, 'first');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await expectDiskFull(index.sync(tooBig()), dir);
    const error = await openCodeIndex(dir, { model: MODEL, create: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INDEX_NOT_FOUND' });
    expect(await readdir(dir)).not.toContain(MARKER_FILE);
    expect(await generations(dir)).toEqual([]);
    await rm(dir, { recursive: true });
  }, 60_000);

  it('checkIndexLocation reports a disk with no room left before any work', async () => {
    const dir = join(disk.dir!, 'check');
    mkdirSync(dir);
    const filler = await open(join(disk.dir!, 'filler'), 'w');
    try {
      const block = Buffer.alloc(64 * 1024, 1);
      for (;;) {
        const written = await filler.write(block).catch(() => undefined);
        if (!written) break;
      }
    } finally {
      await filler.close();
    }
    try {
      const error = await checkIndexLocation(dir).catch((e: unknown) => e);
      expect(StoreError.isInstance(error), String(error)).toBe(true);
      expect(error).toMatchObject({ code: 'INDEX_NOT_WRITABLE', directory: dir });
      expect((error as Error).message).toMatch(/ENOSPC/);
    } finally {
      await rm(join(disk.dir!, 'filler'));
    }
    await checkIndexLocation(dir);
  });
});
