import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFileEmbeddingCache } from '../src/index.js';
import {
  childScript,
  journalTornBytes,
  keysOnDisk,
  MODEL,
  startChild,
  tempDir,
  warnings,
} from './helpers.js';

/**
 * A child that opens the cache and writes `count` entries in batches of `batch`, flushing after
 * each; with `reopen` 1, it also closes (folding the journal into the file) and reopens after each.
 */
const WRITER = `
const { JsonFileEmbeddingCache } = await import(INDEX);
const [file, id, count, batch, dimensions, reopen] = process.argv.slice(2).map((v, i) => (i === 0 ? v : Number(v)));
const make = () => new JsonFileEmbeddingCache(file, { lockStaleMs: 2000, lockWaitMs: 30000, onWarning: (m) => console.error(m) });
let cache = make();
await cache.open({ modelName: 'test/mini', modelVersion: 'v1', dimensions });
let written = 0;
while (written < count) {
  const entries = [];
  for (let i = 0; i < batch && written < count; i++, written++) {
    const embedding = new Float32Array(dimensions).map((_, j) => Math.sin(id * 1e6 + written * 31 + j));
    entries.push([(id * 1e6 + written).toString(16).padStart(64, '0'), {
      name: 'w' + id + '_' + written, embedding, timestamp: new Date().toISOString(), modelVersion: 'v1',
    }]);
  }
  await cache.setMany(entries);
  await cache.flush();
  process.stdout.write('flushed ' + written + '\\n');
  if (reopen === 1) {
    await cache.close();
    cache = make();
    await cache.open({ modelName: 'test/mini', modelVersion: 'v1', dimensions });
  }
}
await cache.close();
`;

function entryCount(text: string): number {
  return Object.keys(JSON.parse(text).embeddings).length;
}

describe('several processes on one cache file', () => {
  it('two concurrent writers lose no entries and leave a valid file', async () => {
    const file = path.join(tempDir(), 'cache.json');
    const script = childScript(WRITER);
    const perProcess = 60;
    const children = [1, 2].map((id) =>
      startChild(script, [file, String(id), String(perProcess), '3', '16']),
    );
    const results = await Promise.all(children.map((child) => child.exited));
    for (const [index, result] of results.entries()) {
      expect(result, children[index]!.output().stderr).toEqual({ code: 0, signal: null });
    }
    const data = JSON.parse(readFileSync(file, 'utf8'));
    const keys = Object.keys(data.embeddings);
    expect(keys).toHaveLength(2 * perProcess);
    expect(new Set(keys.map((key) => Math.floor(Number.parseInt(key, 16) / 1e6)))).toEqual(new Set([1, 2]));
    // And the file is usable by a third instance.
    const sink = warnings();
    const cache = new JsonFileEmbeddingCache(file, sink);
    expect((await cache.open(MODEL)).entries).toBe(2 * perProcess);
    expect(sink.list).toEqual([]);
  }, 60_000);

  it('a writer killed with SIGKILL mid-write leaves the old or the new file, never a broken one', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    const script = childScript(WRITER);
    let lastSeen = 0;
    let reads = 0;
    let readFailure: string | undefined;
    for (const killAfterMs of [250, 450, 650]) {
      // Large batches of 384-d vectors: each write takes long enough to be interrupted.
      const writer = startChild(script, [file, String(killAfterMs), '1000000', '400', '384']);
      let reading = true;
      const reader = (async () => {
        while (reading) {
          const text = await readFile(file, 'utf8').catch(() => undefined);
          if (text !== undefined) {
            try {
              const count = entryCount(text);
              reads++;
              if (count < lastSeen) readFailure = `entries went from ${lastSeen} to ${count}`;
              lastSeen = Math.max(lastSeen, count);
            } catch (error) {
              readFailure = `read a broken cache.json (${text.length} bytes): ${(error as Error).message}`;
            }
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await new Promise<void>((resolve) => {
        writer.child.stdout.once('data', () => setTimeout(resolve, killAfterMs));
      });
      writer.child.kill('SIGKILL');
      expect((await writer.exited).signal).toBe('SIGKILL');
      reading = false;
      await reader;
      const flushed = [...writer.output().stdout.matchAll(/flushed (\d+)/g)].map((m) => Number(m[1]));
      expect(flushed.length, writer.output().stderr).toBeGreaterThan(0);
      expect(readFailure).toBeUndefined();
      // What the writer reported flushed is on disk (the file and its journal); the file parses.
      entryCount(readFileSync(file, 'utf8'));
      expect(keysOnDisk(file).length).toBeGreaterThanOrEqual(flushed.at(-1)!);
    }
    expect(reads).toBeGreaterThan(20);
    // The next writer takes over the dead writer's lock, removes its temp file and carries on.
    const sink = warnings();
    const cache = new JsonFileEmbeddingCache(file, { ...sink, lockStaleMs: 2000 });
    const report = await cache.open({ ...MODEL, dimensions: 384 });
    expect(report.warnings).toEqual([]);
    await cache.setMany([
      ['f'.repeat(64), { name: 'x', embedding: new Float32Array(384), timestamp: 't', modelVersion: 'v1' }],
    ]);
    await cache.close();
    expect(readdirSync(dir).filter((name) => name !== 'cache.json')).toEqual([]);
    expect(entryCount(readFileSync(file, 'utf8'))).toBe(report.entries + 1);
  }, 120_000);

  it('SIGKILL at random moments, again and again: every completed checkpoint survives, the cache stays loadable', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    const script = childScript(WRITER);
    const dimensions = 384;
    const flushedBy: number[] = [];
    let compactionsSeen = 0;
    let tornAppends = 0;
    let cutRewrites = 0;
    let lastInode = 0;
    // A deterministic spread of kill moments, from right after the first checkpoint to well into the run.
    const killDelays = [5, 180, 35, 420, 90, 260, 15, 600, 60, 330, 120, 480];
    for (const [run, delay] of killDelays.entries()) {
      // Odd runs close and reopen after every checkpoint: each close folds the journal in (a full rewrite).
      const reopen = run % 2 === 1 ? '1' : '0';
      const writer = startChild(script, [
        file,
        String(run + 1),
        '1000000',
        '128',
        String(dimensions),
        reopen,
      ]);
      await new Promise<void>((resolve) => {
        writer.child.stdout.once('data', () => setTimeout(resolve, delay));
      });
      writer.child.kill('SIGKILL');
      expect((await writer.exited).signal).toBe('SIGKILL');
      const flushed = [...writer.output().stdout.matchAll(/flushed (\d+)/g)].map((m) => Number(m[1]));
      expect(flushed.length, writer.output().stderr).toBeGreaterThan(0);
      flushedBy.push(flushed.at(-1)!);
      if (journalTornBytes(`${file}.journal`) > 0) tornAppends++;
      if (readdirSync(dir).some((name) => name.startsWith('cache.json.tmp-'))) cutRewrites++;
      const inode = statSync(file).ino;
      if (inode !== lastInode) compactionsSeen++;
      lastInode = inode;

      // Loadable, and every entry of every completed checkpoint of every run so far is there, bit for bit.
      const sink = warnings();
      const cache = new JsonFileEmbeddingCache(file, { ...sink, lockStaleMs: 2000 });
      const report = await cache.open({ ...MODEL, dimensions });
      expect(report.warnings).toEqual([]);
      const expected = flushedBy.reduce((sum, count) => sum + count, 0);
      expect(report.entries).toBeGreaterThanOrEqual(expected);
      for (const [index, count] of flushedBy.entries()) {
        const id = index + 1;
        const keys = Array.from({ length: count }, (_, n) => (id * 1e6 + n).toString(16).padStart(64, '0'));
        const found = await cache.getMany(keys);
        expect(found.filter((hit) => hit === undefined)).toHaveLength(0);
        const last = found.at(-1)!.embedding;
        const want = new Float32Array(dimensions).map((_, j) => Math.sin(id * 1e6 + (count - 1) * 31 + j));
        expect(Buffer.from(last.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      }
      // Not closed: the next writer finds the journal (and the dead writer's lock) as the killed one left them.
    }
    expect(compactionsSeen).toBeGreaterThan(1);
    console.info(
      `${killDelays.length} kills: ${tornAppends} cut an append short, ${cutRewrites} cut a rewrite of cache.json short; ` +
        `cache.json was rewritten between ${compactionsSeen} of them`,
    );
    // A last writer takes over the dead writer's lock; its clean close leaves cache.json alone, holding everything.
    const cache = new JsonFileEmbeddingCache(file, { onWarning: () => {}, lockStaleMs: 2000 });
    const report = await cache.open({ ...MODEL, dimensions });
    await cache.setMany([
      [
        'f'.repeat(64),
        { name: 'x', embedding: new Float32Array(dimensions), timestamp: 't', modelVersion: 'v1' },
      ],
    ]);
    await cache.close();
    expect(readdirSync(dir)).toEqual(['cache.json']);
    expect(entryCount(readFileSync(file, 'utf8'))).toBe(report.entries + 1);
  }, 180_000);
});
