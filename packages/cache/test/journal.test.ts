import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeVector, inspectCacheFile, JsonFileEmbeddingCache } from '../src/index.js';
import {
  bytesOf,
  entry,
  journalRecords,
  key,
  keysOnDisk,
  MODEL,
  tempDir,
  vector,
  warnings,
} from './helpers.js';

const quiet = { onWarning: () => {} };

function seeds(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

async function write(cache: JsonFileEmbeddingCache, list: number[]): Promise<void> {
  await cache.setMany(list.map((seed) => [key(seed), entry(seed)] as const));
}

/** A closed cache of `list` (cache.json only). */
async function closedCache(file: string, list: number[]): Promise<void> {
  const cache = new JsonFileEmbeddingCache(file, quiet);
  await cache.open(MODEL);
  await write(cache, list);
  await cache.close();
}

/** One journal record as documented, made by the test itself. */
function record(payload: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(payload));
  const check = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return Buffer.concat([Buffer.from(`${body.length} ${check} `), body, Buffer.from('\n')]);
}

function storedEntries(list: number[]): Record<string, unknown> {
  return Object.fromEntries(
    list.map((seed) => {
      const { embedding, ...rest } = entry(seed);
      return [key(seed), { ...rest, embedding: encodeVector(embedding) }];
    }),
  );
}

function header(created: string, model = MODEL): Buffer {
  return record({ journal: 'codesearch-cache-journal/1', ...model, created });
}

function createdOf(file: string): string {
  return JSON.parse(readFileSync(file, 'utf8')).metadata.created;
}

async function reopen(file: string, sink = warnings()) {
  const cache = new JsonFileEmbeddingCache(file, sink);
  const report = await cache.open(MODEL);
  return { cache, report, warned: sink.list };
}

describe('journal: a checkpoint appends only the new entries', () => {
  it('leaves cache.json as it is and appends a header, then one verified record per flush', async () => {
    const file = path.join(tempDir(), 'cache.json');
    await closedCache(file, seeds(0, 50));
    const before = statSync(file);
    const bytes = readFileSync(file);
    const cache = new JsonFileEmbeddingCache(file, quiet);
    await cache.open(MODEL);
    await write(cache, seeds(100, 3));
    await cache.flush();
    await write(cache, seeds(200, 2));
    await cache.flush();
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(statSync(file)).toMatchObject({ ino: before.ino, mtimeMs: before.mtimeMs });
    const records = journalRecords(`${file}.journal`);
    expect(records).toHaveLength(3);
    expect(records[0]).toEqual({
      journal: 'codesearch-cache-journal/1',
      modelName: MODEL.modelName,
      modelVersion: MODEL.modelVersion,
      dimensions: MODEL.dimensions,
      created: createdOf(file),
    });
    expect(Object.keys(records[1]!.entries as object).sort()).toEqual(seeds(100, 3).map(key));
    expect(Object.keys(records[2]!.entries as object).sort()).toEqual(seeds(200, 2).map(key));
    expect((records[2]!.entries as Record<string, unknown>)[key(200)]).toEqual(
      storedEntries([200])[key(200)],
    );
    await cache.close();
  });

  it('open() replays the journal: a reader sees every flushed entry bit for bit', async () => {
    const file = path.join(tempDir(), 'cache.json');
    await closedCache(file, seeds(0, 20));
    const writer = new JsonFileEmbeddingCache(file, quiet);
    await writer.open(MODEL);
    await write(writer, seeds(100, 4));
    await writer.flush(); // not closed: as after a SIGKILL
    const { cache, report, warned } = await reopen(file);
    expect(report.entries).toBe(24);
    expect(warned).toEqual([]);
    const [got] = await cache.getMany([key(103)]);
    expect(bytesOf(got!.embedding).equals(bytesOf(vector(103)))).toBe(true);
    await cache.close();
    await writer.close();
  });

  it('compacts when the journal would pass half the file, and the file alone then holds everything', async () => {
    const file = path.join(tempDir(), 'cache.json');
    await closedCache(file, seeds(0, 40));
    const cache = new JsonFileEmbeddingCache(file, quiet);
    await cache.open(MODEL);
    let compactions = 0;
    let inode = statSync(file).ino;
    for (let round = 0; round < 30; round++) {
      await write(cache, seeds(1000 + round * 4, 4));
      await cache.flush();
      const journal = existsSync(`${file}.journal`) ? statSync(`${file}.journal`).size : 0;
      expect(journal).toBeLessThanOrEqual(0.5 * statSync(file).size);
      if (statSync(file).ino !== inode) {
        compactions++;
        inode = statSync(file).ino;
        expect(journal).toBe(0); // folded in and removed
        expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings)).toHaveLength(
          40 + (round + 1) * 4,
        );
      }
      expect(keysOnDisk(file)).toHaveLength(40 + (round + 1) * 4);
    }
    // 40 entries, 4 per flush: the file grows by half between rewrites, so few rewrites.
    expect(compactions).toBeGreaterThanOrEqual(2);
    expect(compactions).toBeLessThanOrEqual(6);
    await cache.close();
  });

  it('compactRatio 0 rewrites the file at every flush and never writes a journal', async () => {
    const file = path.join(tempDir(), 'cache.json');
    await closedCache(file, seeds(0, 10));
    const cache = new JsonFileEmbeddingCache(file, { ...quiet, compactRatio: 0 });
    await cache.open(MODEL);
    for (let round = 0; round < 3; round++) {
      const inode = statSync(file).ino;
      await write(cache, [500 + round]);
      await cache.flush();
      expect(statSync(file).ino).not.toBe(inode);
      expect(existsSync(`${file}.journal`)).toBe(false);
    }
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings)).toHaveLength(13);
    await cache.close();
  });

  it('close() folds the journal in: cache.json alone, in the documented format, holds everything', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    await closedCache(file, seeds(0, 10));
    const cache = new JsonFileEmbeddingCache(file, quiet);
    await cache.open(MODEL);
    await write(cache, [50]);
    await cache.flush();
    await write(cache, [51]);
    await cache.close();
    expect(readdirSync(dir)).toEqual(['cache.json']);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(data)).toEqual(['metadata', 'embeddings']);
    expect(Object.keys(data.embeddings).sort()).toEqual([...seeds(0, 10), 50, 51].map(key).sort());
    expect(data.embeddings[key(51)]).toEqual(storedEntries([51])[key(51)]);
  });

  it('a journal left by a killed writer is folded in by the next clean close, even one that wrote nothing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    await closedCache(file, seeds(0, 10));
    const killed = new JsonFileEmbeddingCache(file, quiet);
    await killed.open(MODEL);
    await write(killed, [70, 71]);
    await killed.flush(); // and never closed
    const { cache, report } = await reopen(file);
    expect(report.entries).toBe(12);
    await cache.close();
    expect(readdirSync(dir)).toEqual(['cache.json']);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings)).toHaveLength(12);
  });
});

describe('journal: torn and damaged records', () => {
  async function journalWithThreeFlushes(): Promise<string> {
    const file = path.join(tempDir(), 'cache.json');
    await closedCache(file, seeds(0, 20));
    const writer = new JsonFileEmbeddingCache(file, quiet);
    await writer.open(MODEL);
    for (const batch of [seeds(100, 2), seeds(200, 2), seeds(300, 2)]) {
      await write(writer, batch);
      await writer.flush();
    }
    return file;
  }

  it('every prefix of the last append (what a crash mid-write leaves) replays to exactly the earlier records', async () => {
    const file = await journalWithThreeFlushes();
    const journal = `${file}.journal`;
    const full = readFileSync(journal);
    const lastRecord = record({ entries: storedEntries(seeds(300, 2)) }).length;
    const start = full.length - lastRecord;
    for (let kept = start; kept < full.length; kept += 7) {
      writeFileSync(journal, full.subarray(0, kept));
      const { cache, report, warned } = await reopen(file);
      expect(warned, `cut at ${kept}`).toEqual([]);
      expect(report.entries, `cut at ${kept}`).toBe(24);
      expect(await cache.getMany([key(300), key(301)])).toEqual([undefined, undefined]);
      // Not closed: close() would fold the journal into cache.json.
    }
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("every prefix of a new journal's first append (header and record): nothing applied, no warning, started anew", async () => {
    const file = path.join(tempDir(), 'cache.json');
    await closedCache(file, seeds(0, 20));
    const journal = `${file}.journal`;
    const first = Buffer.concat([header(createdOf(file)), record({ entries: storedEntries([100]) })]);
    const headerEnd = first.indexOf(0x0a);
    for (const kept of [1, 3, 20, 30, 60, headerEnd - 1, headerEnd + 1, first.length - 1]) {
      writeFileSync(journal, first.subarray(0, kept));
      const { cache, report, warned } = await reopen(file);
      expect(warned, `cut at ${kept}`).toEqual([]);
      expect(report.entries).toBe(20);
      await write(cache, [200]);
      await cache.flush();
      const records = journalRecords(journal);
      expect(records[0]).toMatchObject({ journal: 'codesearch-cache-journal/1', created: createdOf(file) });
      expect(Object.keys(records.at(-1)!.entries as object)).toEqual([key(200)]);
      expect(readdirSync(path.dirname(file)).filter((name) => name.includes('.corrupt-'))).toEqual([]);
    }
  });

  it('a torn last append is dropped whole; everything before it is kept; the next flush cuts it off', async () => {
    const file = await journalWithThreeFlushes();
    const journal = `${file}.journal`;
    const full = statSync(journal).size;
    const lastRecord = record({ entries: storedEntries(seeds(300, 2)) }).length;
    const savedFile = `${file}.saved`;
    const savedJournal = `${journal}.saved`;
    copyFileSync(file, savedFile);
    copyFileSync(journal, savedJournal);
    for (const cut of [1, Math.floor(lastRecord / 2), lastRecord - 1]) {
      copyFileSync(savedFile, file);
      copyFileSync(savedJournal, journal);
      truncateSync(journal, full - cut);
      const { cache, report, warned } = await reopen(file);
      expect(warned).toEqual([]); // a torn tail is what a crash leaves: not worth a warning
      expect(report.entries).toBe(24);
      expect(await cache.getMany([key(201), key(300), key(301)])).toEqual([
        expect.objectContaining({ name: 'fn_201' }),
        undefined,
        undefined,
      ]);
      await write(cache, [400]);
      await cache.flush();
      // The torn bytes are gone; the new record follows the last whole one.
      const records = journalRecords(journal);
      expect(records).toHaveLength(4);
      expect(Object.keys(records[3]!.entries as object)).toEqual([key(400)]);
      const again = await reopen(file);
      expect(again.report.entries).toBe(25);
      expect(again.warned).toEqual([]);
      await again.cache.close();
      await cache.close();
    }
  });

  it('a record that fails its check mid-way: the rest is ignored with a warning naming the journal; never a bad vector', async () => {
    const file = await journalWithThreeFlushes();
    const journal = `${file}.journal`;
    const bytes = readFileSync(journal);
    // Flip one base64 character inside the second entries record (the third line).
    const lines = bytes.toString('latin1').split('\n');
    const offset = lines[0]!.length + 1 + lines[1]!.length + 1 + lines[2]!.indexOf('"embedding":"') + 20;
    bytes[offset] = bytes[offset] === 0x41 ? 0x42 : 0x41;
    writeFileSync(journal, bytes);
    const original = Buffer.from(bytes);

    const sink = warnings();
    const { cache, report } = await reopen(file, sink);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toContain(journal);
    expect(report.warnings[0]).toMatch(/record 3 at byte \d+ failed its check \(checksum mismatch\)/);
    expect(report.entries).toBe(22);
    expect((await cache.getMany([key(100), key(200), key(300)])).map((e) => e?.name)).toEqual([
      'fn_100',
      undefined,
      undefined,
    ]);
    // The next write folds the good part into cache.json and moves the damaged journal aside, bytes kept.
    await write(cache, [400]);
    await cache.flush();
    expect(existsSync(journal)).toBe(false);
    const aside = readdirSync(path.dirname(file)).filter((name) =>
      name.startsWith('cache.json.journal.corrupt-'),
    );
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(path.dirname(file), aside[0]!)).equals(original)).toBe(true);
    expect(sink.list).toEqual([expect.stringContaining(aside[0]!)]);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings)).toHaveLength(23);
    await cache.close();
  });

  it('a record whose checksum verifies but whose entry is malformed is a miss, never served', async () => {
    const file = path.join(tempDir(), 'cache.json');
    await closedCache(file, [1]);
    const bad = storedEntries([2]);
    (bad[key(2)] as { embedding: string }).embedding = encodeVector(vector(2, 8)); // 8 values, not 16
    writeFileSync(
      `${file}.journal`,
      Buffer.concat([header(createdOf(file)), record({ entries: { ...bad, ...storedEntries([3]) } })]),
    );
    const { cache, report } = await reopen(file);
    expect(report.entries).toBe(2);
    expect((await cache.getMany([key(2), key(3)])).map((e) => e?.name)).toEqual([undefined, 'fn_3']);
    await cache.close();
  });
});

describe('journal: one that does not belong to the file beside it is moved aside, never applied', () => {
  const cases: Array<[string, string, (file: string) => Buffer]> = [
    [
      'another model',
      'cache.json.journal.model-v2-',
      (file) =>
        Buffer.concat([
          header(createdOf(file), { ...MODEL, modelVersion: 'v2' }),
          record({ entries: storedEntries([99]) }),
        ]),
    ],
    [
      'another generation of cache.json',
      'cache.json.journal.corrupt-',
      () => Buffer.concat([header('2020-01-01T00:00:00.000Z'), record({ entries: storedEntries([99]) })]),
    ],
    ['garbage', 'cache.json.journal.corrupt-', () => Buffer.from('not a journal\nat all\n')],
    [
      'a first record that is not a header',
      'cache.json.journal.corrupt-',
      () => record({ entries: storedEntries([99]) }),
    ],
  ];

  for (const [label, prefix, make] of cases) {
    it(`${label}: moved to ${prefix}…, its entries not served`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'cache.json');
      await closedCache(file, seeds(0, 20));
      const bytes = make(file);
      writeFileSync(`${file}.journal`, bytes);
      const { cache, report } = await reopen(file);
      expect(report.entries).toBe(20);
      expect(await cache.getMany([key(99)])).toEqual([undefined]);
      const moved = readdirSync(dir).filter((name) => name.startsWith(prefix));
      expect(moved).toHaveLength(1);
      expect(readFileSync(path.join(dir, moved[0]!)).equals(bytes)).toBe(true);
      expect(report.warnings).toEqual([expect.stringContaining(path.join(dir, moved[0]!))]);
      expect(report.warnings[0]).toContain(`${file}.journal`);
      // The cache works on: a new journal for this file.
      await write(cache, [50]);
      await cache.flush();
      expect(journalRecords(`${file}.journal`)[0]).toMatchObject({ created: createdOf(file) });
      await cache.close();
      expect(readdirSync(dir).sort()).toEqual(['cache.json', moved[0]]);
    });
  }

  it('a journal without its cache.json is moved aside', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    writeFileSync(
      `${file}.journal`,
      Buffer.concat([header('2024-01-01T00:00:00.000Z'), record({ entries: storedEntries([99]) })]),
    );
    const { cache, report } = await reopen(file);
    expect(report.entries).toBe(0);
    expect(report.warnings).toEqual([expect.stringContaining('has no cache file beside it')]);
    await cache.close();
    expect(readdirSync(dir).filter((name) => name.startsWith('cache.json.journal.corrupt-'))).toHaveLength(1);
  });

  it('when the cache file is moved aside for another model, its journal goes aside too', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    await closedCache(file, seeds(0, 20));
    const writer = new JsonFileEmbeddingCache(file, quiet);
    await writer.open(MODEL);
    await write(writer, [50]);
    await writer.flush();
    expect(existsSync(`${file}.journal`)).toBe(true);
    const cache = new JsonFileEmbeddingCache(file, quiet);
    const report = await cache.open({ ...MODEL, modelVersion: 'v9' });
    expect(report.entries).toBe(0);
    expect(report.warnings).toHaveLength(2);
    const names = readdirSync(dir);
    expect(names.filter((name) => name.startsWith('cache.json.model-v1-'))).toHaveLength(1);
    expect(names.filter((name) => name.startsWith('cache.json.journal.model-v1-'))).toHaveLength(1);
    await cache.close();
  });

  it('a crash between compaction and removing the journal leaves duplicates that replay harmlessly', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    await closedCache(file, seeds(0, 10));
    const writer = new JsonFileEmbeddingCache(file, quiet);
    await writer.open(MODEL);
    await write(writer, [20, 21]);
    await writer.flush();
    copyFileSync(`${file}.journal`, `${dir}/saved`);
    await writer.close(); // compacts, then removes the journal
    copyFileSync(`${dir}/saved`, `${file}.journal`); // as if the removal never happened
    const { cache, report } = await reopen(file);
    expect(report).toMatchObject({ entries: 12, warnings: [] });
    await cache.close();
    expect(readdirSync(dir).sort()).toEqual(['cache.json', 'saved']);
  });
});

describe('journal: several instances on one file', () => {
  it('a flush first reads what others appended; compaction by one is picked up by the other; the union is kept', async () => {
    const file = path.join(tempDir(), 'cache.json');
    await closedCache(file, seeds(0, 30));
    const a = new JsonFileEmbeddingCache(file, quiet);
    const b = new JsonFileEmbeddingCache(file, quiet);
    await a.open(MODEL);
    await b.open(MODEL);
    await write(a, [100]);
    await a.flush();
    await write(b, [200]);
    await b.flush();
    expect((await b.getMany([key(100)]))[0]?.name).toBe('fn_100'); // read from a's append
    await write(a, [101]);
    await a.flush();
    expect((await a.getMany([key(200)]))[0]?.name).toBe('fn_200');
    await a.close(); // compacts and removes the journal
    expect(existsSync(`${file}.journal`)).toBe(false);
    await write(b, [201]);
    await b.flush(); // cache.json was replaced: re-read, then a new journal
    expect(journalRecords(`${file}.journal`)).toHaveLength(2);
    expect(keysOnDisk(file)).toEqual([...seeds(0, 30), 100, 101, 200, 201].map(key).sort());
    await b.close();
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings)).toHaveLength(34);
    expect((await inspectCacheFile(file)).entries).toBe(34);
  });
});
