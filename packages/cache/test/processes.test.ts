import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFileEmbeddingCache } from '../src/index.js';
import { childScript, keysOnDisk, MODEL, startChild, tempDir, warnings } from './helpers.js';

/** A child that opens the cache and writes `count` entries in batches of `batch`, flushing after each. */
const WRITER = `
const { JsonFileEmbeddingCache } = await import(INDEX);
const [file, id, count, batch, dimensions] = process.argv.slice(2).map((v, i) => (i === 0 ? v : Number(v)));
const cache = new JsonFileEmbeddingCache(file, { lockStaleMs: 2000, lockWaitMs: 30000, onWarning: (m) => console.error(m) });
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
});
