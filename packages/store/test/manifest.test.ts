import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IndexManifest } from '@codesearch/core';
import { StoreError } from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { openCodeIndex } from '../src/index.js';
import { generationDir, MODEL, record, tempDir, track, unit, withTable } from './helpers.js';

function manifest(files: string[], walk: Record<string, unknown> = { languages: ['python'] }): IndexManifest {
  return {
    root: '/home/me/project',
    walk,
    files: files.map((path, i) => ({
      path,
      size: 100 + i,
      mtimeMs: 1_700_000_000_000 + i,
      ctimeMs: 1_700_000_000_500 + i,
      sha256: `${i}`.padStart(64, '0'),
      entities: i,
      outcome: i === 0 ? 'skipped' : 'parsed',
    })),
  };
}

const records = [
  record({ file: 'a.py', line: 1, name: 'a', vector: unit(1) }),
  record({ file: 'b.py', line: 1, name: 'b', vector: unit(0, 1) }),
];

describe('manifest', () => {
  it('round trip: kept with the table version it describes; consistent while the table has not moved', async () => {
    const dir = join(await tempDir(), 'idx');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    expect(await index.manifest()).toBeUndefined();
    const given = manifest(['a.py', 'b.py', 'c.bin'], {
      languages: ['python'],
      exclude: ['**/vendor'],
      maxFileBytes: 1e6,
    });
    const report = await index.sync(records, { manifest: given });
    const tableVersion = await withTable(dir, (table) => table.version());
    expect(report.version).toBe(tableVersion);
    const stored = await index.manifest();
    expect(stored).toEqual({
      ...given,
      tableVersion,
      writtenAt: stored?.writtenAt,
      consistent: true,
    });
    expect(Date.parse(stored!.writtenAt)).toBeGreaterThan(Date.now() - 60_000);
    // Another handle (as another process would) reads the same.
    const reader = track(await openCodeIndex(dir, { model: MODEL, create: false }));
    expect(await reader.manifest()).toEqual(stored);
  });

  it('a sync that writes without a manifest keeps the old one, now inconsistent; one that writes nothing keeps it consistent', async () => {
    const dir = join(await tempDir(), 'idx');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await index.sync(records, { manifest: manifest(['a.py', 'b.py']) });
    expect(await index.sync(records)).toMatchObject({ written: false });
    expect(await index.manifest()).toMatchObject({
      consistent: true,
      files: [{ path: 'a.py' }, { path: 'b.py' }],
    });
    await index.sync(records.slice(0, 1));
    const stale = await index.manifest();
    expect(stale).toMatchObject({ consistent: false, files: [{ path: 'a.py' }, { path: 'b.py' }] });
    expect(stale!.tableVersion).toBeLessThan(await withTable(dir, (table) => table.version()));
    // The next sync with a manifest makes it consistent again.
    await index.sync(records.slice(0, 1), { manifest: manifest(['a.py']) });
    expect(await index.manifest()).toMatchObject({ consistent: true, files: [{ path: 'a.py' }] });
  });

  it('a table written by another writer after the manifest (an interrupted sync) makes it inconsistent', async () => {
    const dir = join(await tempDir(), 'idx');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await index.sync(records, { manifest: manifest(['a.py', 'b.py']) });
    // A commit with no manifest after it, as a sync killed between the two leaves.
    await withTable(dir, (table) => table.delete("locationKey = 'b.py:1'"));
    expect(await index.manifest()).toMatchObject({ consistent: false });
  });

  it('a rebuild writes the new manifest into the new generation before the swap', async () => {
    const dir = join(await tempDir(), 'idx');
    const first = track(await openCodeIndex(dir, { model: MODEL }));
    await first.sync(records, { manifest: manifest(['a.py', 'b.py']) });
    const rebuild = track(await openCodeIndex(dir, { model: MODEL, rebuild: true }));
    await rebuild.sync(records.slice(1), { manifest: manifest(['b.py']) });
    expect(await first.manifest()).toMatchObject({ consistent: true, files: [{ path: 'b.py' }] });
    // A rebuild without a manifest leaves none (the old one described the old generation).
    const again = track(await openCodeIndex(dir, { model: MODEL, rebuild: true }));
    await again.sync(records);
    expect(await first.manifest()).toBeUndefined();
  });

  it('a malformed manifest file reads as undefined, never a crash', async () => {
    const dir = join(await tempDir(), 'idx');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await index.sync(records, { manifest: manifest(['a.py']) });
    const file = join(await generationDir(dir), 'manifest.json');
    for (const content of [
      '',
      '{"format": ',
      'null',
      '[]',
      '{"format":"codesearch-manifest/1","tableVersion":"x"}',
    ]) {
      await writeFile(file, content);
      expect(await index.manifest(), content).toBeUndefined();
    }
    const good = JSON.parse(
      JSON.stringify({
        format: 'codesearch-manifest/1',
        tableVersion: 1,
        writtenAt: 'x',
        ...manifest(['a.py']),
      }),
    );
    good.files[0].sha256 = 42;
    await writeFile(file, JSON.stringify(good));
    expect(await index.manifest()).toBeUndefined();
    expect((await index.stats()).entities).toBe(2);
  });

  it('sync refuses a malformed manifest option before writing anything', async () => {
    const dir = join(await tempDir(), 'idx');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    const bad = manifest(['a.py', 'b.py']);
    (bad.files[1] as unknown as Record<string, unknown>).outcome = 'maybe';
    const error = await index.sync(records, { manifest: bad }).catch((e: unknown) => e);
    expect(StoreError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    expect((error as Error).message).toContain('options.manifest files[1] (b.py) has no valid outcome');
    expect((await index.stats()).entities).toBe(0);
    expect(await index.manifest()).toBeUndefined();
  });
});
