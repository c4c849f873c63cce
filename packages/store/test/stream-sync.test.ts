import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CodeIndex, type IndexRecord, openCodeIndex } from '../src/index.js';
import { MODEL, record, shifted, tempDir, track, unit } from './helpers.js';

// Real LanceDB: syncStream must leave the same table as sync, chunk by chunk.

/** `files` files of `perFile` records each (a file's records are one chunk's). */
function corpus(files: number, perFile: number, salt = ''): IndexRecord[][] {
  return Array.from({ length: files }, (_, file) =>
    Array.from({ length: perFile }, (_, i) =>
      record({
        file: `src/f${file}.py`,
        line: i * 10 + 1,
        name: `fn_${file}_${i}`,
        body: `def fn_${file}_${i}():\n    return ${i}${salt}`,
        vector: unit(1, file, i + 1),
      }),
    ),
  );
}

async function* chunksOf(
  files: IndexRecord[][],
  options: { stopAfter?: number; reason?: unknown } = {},
): AsyncGenerator<IndexRecord[]> {
  let given = 0;
  for (const file of files) {
    if (options.stopAfter !== undefined && given === options.stopAfter) throw options.reason;
    given++;
    yield file;
  }
}

async function openIndex(dir: string, rebuild = false): Promise<CodeIndex> {
  return track(await openCodeIndex(dir, { model: MODEL, ...(rebuild ? { rebuild } : {}) }));
}

/** Every unit of the index with its row fields, and every row's vector, keyed. */
async function contents(index: CodeIndex, records: IndexRecord[]) {
  const units = await index.units(records.map((r) => r.locationKey));
  const vectors = await index.vectorsByDigest(records.map((r) => r.contentDigest));
  const stats = await index.stats();
  return {
    rows: stats.rows,
    units: units.map((unit) => ({ ...unit, score: 0 })),
    vectors: [...vectors.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, v]) => [d, Array.from(v)]),
  };
}

const MANIFEST = { root: '/tree', walk: {}, files: [] };

describe('syncStream', () => {
  it('a first build in chunks holds what sync of the same records holds, written in several writes', async () => {
    const base = await tempDir();
    const files = corpus(12, 5);
    const all = files.flat();
    const whole = await openIndex(join(base, 'whole'));
    const wholeReport = await whole.sync(all, { manifest: MANIFEST });
    const streamed = await openIndex(join(base, 'streamed'));
    const report = await streamed.syncStream(chunksOf(files), { writeRows: 16, manifest: () => MANIFEST });

    expect(report).toMatchObject({ added: 60, updated: 0, removed: 0, unchanged: 0, written: true });
    expect(await contents(streamed, all)).toEqual(await contents(whole, all));
    expect(wholeReport.added).toBe(60);
    // Several appends (60 rows, 16 per write) and one full-text index: words are found.
    const hits = await streamed.search({ text: 'fn_7_3' }, { mode: 'lexical', k: 3 });
    expect(hits[0]?.locationKey).toBe('src/f7.py:31');
    expect(await streamed.manifest()).toMatchObject({ root: '/tree', consistent: true });
  });

  it('a first build in chunks leaves one merged fragment, and no files of the writes before it', async () => {
    const dir = join(await tempDir(), 'index');
    const streamed = await openIndex(dir);
    // 60 rows, 8 per write: eight writes, eight fragments before they are merged.
    await streamed.syncStream(chunksOf(corpus(12, 5)), { writeRows: 8 });
    const [generation] = (await readdir(dir)).filter((name) => name.startsWith('gen-'));
    const dataFiles = await readdir(join(dir, generation!, 'code.lance', 'data'));
    expect(dataFiles).toHaveLength(1);
    expect((await streamed.stats()).rows).toBe(60);
    const hits = await streamed.search({ text: 'fn_11_4' }, { mode: 'lexical', k: 1 });
    expect(hits[0]?.locationKey).toBe('src/f11.py:41');
  });

  it('an incremental sync in chunks counts and writes what sync does: updated, relocated, added, removed', async () => {
    const base = await tempDir();
    const before = corpus(6, 4);
    // After: file 0 edited, file 1 shifted down (relocated), file 2 gone, file 6 new.
    const after = [
      corpus(1, 4, ' + 1')[0]!,
      shifted(before[1]!, 3),
      before[3]!,
      before[4]!,
      before[5]!,
      corpus(7, 2)[6]!,
    ];
    const expected = await openIndex(join(base, 'sync'));
    await expected.sync(before.flat());
    const expectedReport = await expected.sync(after.flat(), { manifest: MANIFEST });
    const streamed = await openIndex(join(base, 'stream'));
    await streamed.syncStream(chunksOf(before));
    const report = await streamed.syncStream(chunksOf(after), { writeRows: 3, manifest: () => MANIFEST });

    const { version: _a, ...counts } = report;
    const { version: _b, ...expectedCounts } = expectedReport;
    expect(counts).toEqual(expectedCounts);
    expect(counts).toMatchObject({ updated: 4, relocated: 4, added: 2, removed: 4 });
    const everything = [...before.flat(), ...after.flat()];
    expect(await contents(streamed, everything)).toEqual(await contents(expected, everything));
    expect(await streamed.manifest()).toMatchObject({ consistent: true });
  });

  it('stopped during a first build: the chunks written become the index, and the call rejects with the reason', async () => {
    const dir = join(await tempDir(), 'idx');
    const files = corpus(10, 3);
    const index = await openIndex(dir);
    const reason = new DOMException('interrupted by SIGINT', 'AbortError');
    await expect(index.syncStream(chunksOf(files, { stopAfter: 4, reason }), { writeRows: 5 })).rejects.toBe(
      reason,
    );
    const reopened = await openIndex(dir);
    const stats = await reopened.stats();
    expect(stats.rows).toBe(12);
    expect((await reopened.units(files.flat().map((r) => r.locationKey))).map((u) => u.locationKey)).toEqual(
      files
        .slice(0, 4)
        .flat()
        .map((r) => r.locationKey),
    );
    // No manifest: the next search or index run sees the run did not finish.
    expect(await reopened.manifest()).toBeUndefined();
    // The next run completes it.
    await reopened.syncStream(chunksOf(files), { manifest: () => MANIFEST });
    expect((await reopened.stats()).rows).toBe(30);
  });

  it('stopped during a rebuild: the old index stays whole', async () => {
    const dir = join(await tempDir(), 'idx');
    const old = corpus(3, 3, ' old');
    await (await openIndex(dir)).sync(old.flat(), { manifest: MANIFEST });
    const rebuilding = await openIndex(dir, true);
    const reason = new Error('stop');
    await expect(rebuilding.syncStream(chunksOf(corpus(8, 3), { stopAfter: 5, reason }))).rejects.toBe(
      reason,
    );
    const reopened = await openIndex(dir);
    expect((await reopened.stats()).rows).toBe(9);
    expect(await reopened.manifest()).toMatchObject({ consistent: true });
    expect((await reopened.units(old.flat().map((r) => r.locationKey))).length).toBe(9);
  });

  it('stopped during an incremental sync: chunks written are kept, nothing is deleted, the manifest is not consistent', async () => {
    const dir = join(await tempDir(), 'idx');
    const before = corpus(4, 2);
    const index = await openIndex(dir);
    await index.sync(before.flat(), { manifest: MANIFEST });
    const after = [corpus(1, 2, ' edited')[0]!, corpus(9, 2)[8]!, before[2]!];
    const reason = new Error('stop');
    await expect(index.syncStream(chunksOf(after, { stopAfter: 2, reason }), { writeRows: 1 })).rejects.toBe(
      reason,
    );
    const stats = await index.stats();
    // 8 old rows (file 0's two replaced in place), plus file 8's two; files 1 and 3 not deleted.
    expect(stats.rows).toBe(10);
    const edited = await index.vectorsByDigest(after[0]!.map((r) => r.contentDigest));
    expect(edited.size).toBe(2);
    expect(await index.manifest()).toMatchObject({ consistent: false });
  });

  it('a bad record in a chunk fails the sync naming it; a first build leaves no index', async () => {
    const dir = join(await tempDir(), 'idx');
    const files = corpus(3, 2);
    files[1]![1] = { ...files[1]![1]!, vector: new Float32Array(3) };
    const index = await openIndex(dir);
    await expect(index.syncStream(chunksOf(files))).rejects.toThrow(/src\/f1\.py:11/);
    expect((await index.stats()).rows).toBe(0);
  });
});

describe('appendChunks', () => {
  it('writes one batch while the next chunk is made, in order, and fails the call when a write fails', async () => {
    const { appendChunks } = await import('../src/stream-sync.js');
    const files = corpus(6, 4);
    const events: string[] = [];
    let release: (() => void) | undefined;
    async function* slowChunks() {
      for (const [i, file] of files.entries()) {
        events.push(`chunk ${i}`);
        yield file;
        // The write of chunk i (writeRows 4: one write per chunk) is still running here.
        if (i === 0) release?.();
      }
    }
    const written: string[][] = [];
    const outcome = await appendChunks(
      slowChunks(),
      async (records) => {
        events.push(`write ${written.length} start`);
        await new Promise<void>((resolve) => {
          release = resolve;
          if (written.length > 0) resolve();
        });
        written.push(records.map((r) => r.locationKey));
        events.push(`write ${written.length - 1} end`);
      },
      () => {},
      4,
    );
    expect(outcome).toEqual({ rows: 24 });
    expect(written).toEqual(files.map((file) => file.map((r) => r.locationKey)));
    // The second chunk was made while the first write was still running (a store that waited
    // for each write before asking for the next chunk never gets here: write 0 waits for it).
    expect(events.indexOf('chunk 1')).toBeLessThan(events.indexOf('write 0 end'));

    const failing = appendChunks(
      chunksOf(files),
      async (records) => {
        if (records[0]!.filePath === 'src/f2.py') throw new Error('disk full');
      },
      () => {},
      4,
    );
    await expect(failing).rejects.toThrow('disk full');
  });
});
