import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Keyv } from 'keyv';
import { describe, expect, it } from 'vitest';
import { contentKey, JsonFileEmbeddingCache, KeyvEmbeddingCache } from '../src/index.js';
import { bytesOf, entry, key, MODEL, tempDir, vector, warnings } from './helpers.js';

/** The same model files named by their directory instead of their hub name: same digest and dimensions. */
const SAME_MODEL_BY_PATH = { ...MODEL, modelName: '/root/.codesearch/models/test/mini' };

describe('model identity is the content digest and dimensions; the name is a label', () => {
  it('JSON file: a cache written under the hub name is used as is under the directory name', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    const writer = new JsonFileEmbeddingCache(file, { onWarning: () => {} });
    await writer.open(MODEL);
    await writer.setMany([
      [key(1), entry(1)],
      [key(2), entry(2)],
    ]);
    await writer.close();

    const sink = warnings();
    const reader = new JsonFileEmbeddingCache(file, sink);
    const report = await reader.open(SAME_MODEL_BY_PATH);
    expect(report.warnings).toEqual([]);
    expect(report.entries).toBe(2);
    expect(report.metadata).not.toHaveProperty('replaced');
    const [one] = await reader.getMany([key(1)]);
    expect(bytesOf(one!.embedding).equals(bytesOf(vector(1)))).toBe(true);
    await reader.setMany([[key(3), entry(3)]]);
    await reader.close();
    expect(readdirSync(dir).filter((name) => name !== 'cache.json')).toEqual([]);
    expect(sink.list).toEqual([]);
    // The label stays the name the file was created with.
    const data = JSON.parse(readFileSync(file, 'utf8'));
    expect(data.metadata.modelName).toBe(MODEL.modelName);
    expect(Object.keys(data.embeddings)).toHaveLength(3);
  });

  it('JSON file: two processes naming the model differently merge their flushes', async () => {
    const file = path.join(tempDir(), 'cache.json');
    const a = new JsonFileEmbeddingCache(file, { onWarning: () => {} });
    const b = new JsonFileEmbeddingCache(file, { onWarning: () => {} });
    await a.open(MODEL);
    await b.open(SAME_MODEL_BY_PATH);
    await a.setMany([[key(1), entry(1)]]);
    await a.flush();
    await b.setMany([[key(2), entry(2)]]);
    await b.flush();
    await a.close();
    await b.close();
    const check = new JsonFileEmbeddingCache(file, { onWarning: () => {} });
    expect((await check.open(MODEL)).entries).toBe(2);
    expect(readdirSync(path.dirname(file))).toEqual(['cache.json']);
    await check.close();
  });

  it('JSON file: reopening an open cache under another name keeps it open, entries included', async () => {
    const file = path.join(tempDir(), 'cache.json');
    const cache = new JsonFileEmbeddingCache(file, { onWarning: () => {} });
    await cache.open(MODEL);
    await cache.setMany([[key(1), entry(1)]]);
    const report = await cache.open(SAME_MODEL_BY_PATH);
    expect(report).toMatchObject({ entries: 1, warnings: [] });
    expect((await cache.getMany([key(1)]))[0]?.name).toBe('fn_1');
    await cache.close();
  });

  it('keyv: the per-model metadata is found under either name', async () => {
    const map = new Map();
    const first = new KeyvEmbeddingCache(new Keyv({ store: map }));
    await first.open(MODEL);
    await first.setMany([
      [key(1), entry(1)],
      [key(2), entry(2)],
    ]);
    await first.close();
    const second = new KeyvEmbeddingCache(new Keyv({ store: map }));
    const report = await second.open(SAME_MODEL_BY_PATH);
    expect(report.entries).toBe(2);
    expect(report.warnings).toEqual([]);
    await second.setMany([[key(3), entry(3)]]);
    await second.close();
    expect([...map.keys()].filter((name: string) => name.includes(':meta:'))).toHaveLength(1);
    // Another digest or dimension count is another model: its own metadata.
    const other = new KeyvEmbeddingCache(new Keyv({ store: map }));
    expect((await other.open({ ...MODEL, modelVersion: 'v2' })).entries).toBe(0);
    await other.close();
  });
});

describe('contentKey', () => {
  const input = { modelVersion: 'sha256:abc', textPrepVersion: 'codesearch-text/1', text: 'def f(): pass' };

  it('is the sha256 of (modelVersion, textPrepVersion, text); modelName is ignored', () => {
    const expected = createHash('sha256')
      .update(JSON.stringify(['sha256:abc', 'codesearch-text/1', 'def f(): pass']))
      .digest('hex');
    expect(contentKey(input)).toBe(expected);
    expect(contentKey({ ...input, modelName: 'Xenova/all-MiniLM-L6-v2' })).toBe(expected);
    expect(contentKey({ ...input, modelName: '/home/me/.codesearch/models/Xenova/all-MiniLM-L6-v2' })).toBe(
      expected,
    );
  });
});
