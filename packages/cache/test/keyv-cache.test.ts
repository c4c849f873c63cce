import { CacheError } from '@codesearch/core';
import { Keyv } from 'keyv';
import { describe, expect, it, vi } from 'vitest';
import { EmbeddingFileStore, KeyvEmbeddingCache } from '../src/index.js';
import { loadOptionalPeer } from '../src/stores.js';
import { cacheConformance } from './cache-conformance.js';
import { entry, key, MODEL, warnings } from './helpers.js';

/** A Map-backed keyv store whose operations can be made to fail. */
class FlakyStore extends Map<string, unknown> {
  failing: unknown;
  opts = {};
  override get(key: string) {
    if (this.failing !== undefined) throw this.failing;
    return super.get(key);
  }
  override set(key: string, value: unknown) {
    if (this.failing !== undefined) throw this.failing;
    return super.set(key, value);
  }
}

describe('KeyvEmbeddingCache over any Keyv store: conformance (in-memory Map)', () => {
  const shared = new Map();
  cacheConformance(() => new KeyvEmbeddingCache(new Keyv({ store: shared }), { location: 'memory' }));
});

describe('KeyvEmbeddingCache', () => {
  it('creates its Keyv lazily, per open, and names keys by content key and model digest', async () => {
    const map = new Map<string, unknown>();
    const connect = vi.fn(() => new Keyv({ store: map, namespace: undefined, useKeyPrefix: false }));
    const cache = new KeyvEmbeddingCache(connect, { keyPrefix: 'cs:' });
    expect(cache.location).toBe('keyv');
    expect(connect).not.toHaveBeenCalled();
    await cache.open(MODEL);
    expect(await cache.open(MODEL)).toMatchObject({ entries: 0, warnings: [] }); // same model: no reconnect
    expect(connect).toHaveBeenCalledTimes(1);
    await cache.setMany([[key(1), entry(1)]]);
    await cache.flush();
    const keys = [...map.keys()].sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(`cs:embedding:${key(1)}`);
    expect(keys[1]).toMatch(/^cs:meta:[0-9a-f]{16}$/);
    // Another model: flushes, reconnects, sees none of the first model's entries.
    const report = await cache.open({ ...MODEL, modelVersion: 'v2' });
    expect(connect).toHaveBeenCalledTimes(2);
    expect(report.entries).toBe(0);
    await cache.close();
  });

  it('counts new entries in the model metadata, not rewrites', async () => {
    const map = new Map();
    const make = () => new KeyvEmbeddingCache(new Keyv({ store: map }));
    const a = make();
    await a.open(MODEL);
    await a.setMany([
      [key(1), entry(1)],
      [key(2), entry(2)],
    ]);
    await a.close();
    const b = make();
    expect((await b.open(MODEL)).entries).toBe(2);
    expect(await b.getMany([key(1)])).toHaveLength(1);
    await b.setMany([
      [key(1), entry(1)], // seen by getMany: known, no lookup
      [key(2), entry(2)], // not seen: looked up, already there
      [key(3), entry(3)],
    ]);
    await b.flush();
    await b.close();
    const c = make();
    const report = await c.open(MODEL);
    expect(report.entries).toBe(3);
    expect(report.metadata).not.toHaveProperty('entries');
    await c.close();
  });

  it('counts entries added while a flush is writing the metadata in the next flush', async () => {
    let hold = false;
    let release: (() => void) | undefined;
    class SlowMetadata extends Map<string, unknown> {
      opts = {};
      override set(name: string, value: unknown): this {
        if (hold && name.includes(':meta:')) {
          return new Promise((resolve) => {
            release = () => resolve(super.set(name, value));
          }) as never;
        }
        return super.set(name, value);
      }
    }
    const store = new SlowMetadata();
    const cache = new KeyvEmbeddingCache(new Keyv({ store }));
    await cache.open(MODEL);
    await cache.setMany([[key(1), entry(1)]]);
    hold = true;
    const flushing = cache.flush();
    await vi.waitFor(() => expect(release).toBeDefined());
    await cache.setMany([[key(2), entry(2)]]);
    release!();
    await flushing;
    hold = false;
    await cache.close();
    expect((await new KeyvEmbeddingCache(new Keyv({ store })).open(MODEL)).entries).toBe(2);
  });

  it('starts metadata anew, with a warning, when it is malformed', async () => {
    const map = new Map();
    const first = new KeyvEmbeddingCache(new Keyv({ store: map }));
    await first.open(MODEL);
    await first.flush(); // writes the metadata
    await first.close();
    const [metaKey] = [...map.keys()].filter((k: string) => k.includes(':meta:'));
    const keyv = new Keyv({ store: map });
    await keyv.set(metaKey!.replace(/^keyv:/, ''), { modelName: MODEL.modelName, created: 42 });
    const sink = warnings();
    const second = new KeyvEmbeddingCache(new Keyv({ store: map }), { ...sink, location: 'mem' });
    const report = await second.open(MODEL);
    expect(report.warnings).toEqual([expect.stringContaining('mem: metadata for test/mini')]);
    expect(report.entries).toBe(0);
    // A negative count is not trusted either.
    await keyv.set(metaKey!.replace(/^keyv:/, ''), { ...MODEL, created: 'a', updated: 'b', entries: -5 });
    const third = new KeyvEmbeddingCache(new Keyv({ store: map }));
    expect(await third.open(MODEL)).toMatchObject({ entries: 0, warnings: [] });
  });

  it('turns store failures into CacheErrors naming the location, for every operation', async () => {
    const store = new FlakyStore();
    const cache = new KeyvEmbeddingCache(new Keyv({ store, throwOnErrors: true }), { location: 'flaky://x' });
    await cache.open(MODEL);
    await cache.setMany([[key(1), entry(1)]]);
    store.failing = new Error('connection reset');
    await expect(cache.getMany([key(1)])).rejects.toThrow('[cache] cannot read flaky://x: connection reset');
    await expect(cache.setMany([[key(2), entry(2)]])).rejects.toThrow(
      'cannot write flaky://x: connection reset',
    );
    await expect(cache.flush()).rejects.toSatisfy(
      (error) => CacheError.isInstance(error) && error.code === 'WRITE_FAILED',
    );
    store.failing = 'a string, not an Error';
    await expect(cache.flush()).rejects.toThrow('cannot write flaky://x: a string, not an Error');
    await expect(cache.close()).rejects.toThrow(CacheError); // pending metadata could not be written
    store.failing = undefined;
    const reopened = new KeyvEmbeddingCache(new Keyv({ store }), { location: 'flaky://x' });
    store.failing = new Error('down');
    await expect(reopened.open(MODEL)).rejects.toThrow('cannot open flaky://x: down');
    await expect(
      new KeyvEmbeddingCache(
        () => {
          throw new Error('no route to host');
        },
        { location: 'x' },
      ).open(MODEL),
    ).rejects.toThrow('cannot open x: no route to host');
  });

  it('surfaces failures even through a Keyv created without throwOnErrors', async () => {
    const store = new FlakyStore();
    const cache = new KeyvEmbeddingCache(new Keyv({ store }), { location: 'quiet' });
    await cache.open(MODEL);
    store.failing = new Error('read-only replica');
    await expect(cache.getMany([key(1)])).rejects.toThrow('cannot read quiet: read-only replica');
    await expect(cache.setMany([[key(1), entry(1)]])).rejects.toThrow(
      'cannot write quiet: read-only replica',
    );
  });

  it('reports writes a store refuses by returning false', async () => {
    const store = new FlakyStore();
    const cache = new KeyvEmbeddingCache(new Keyv({ store }), { location: 'refusing' });
    await cache.open(MODEL);
    store.set = () => false as never;
    await expect(cache.setMany([[key(1), entry(1)]])).rejects.toThrow(
      'cannot write refusing: the store refused 1 entries',
    );
    await expect(cache.flush()).rejects.toThrow('cannot write refusing: the store refused the metadata');
  });

  it('includes the cause an adapter emitted when it throws a generic error', async () => {
    const store = new FlakyStore();
    const keyv = new Keyv({ store, throwOnErrors: true });
    const cache = new KeyvEmbeddingCache(keyv, { location: 'r' });
    await cache.open(MODEL);
    store.failing = new Error('not connected');
    keyv.emit('error', new Error('ECONNREFUSED 127.0.0.1:6379'));
    await expect(cache.getMany([key(1)])).rejects.toThrow(
      'cannot read r: not connected (ECONNREFUSED 127.0.0.1:6379)',
    );
  });

  it('warns through process.emitWarning when no onWarning is given', async () => {
    const map = new Map();
    const keyv = new Keyv({ store: map, namespace: undefined, useKeyPrefix: false });
    const cache = new KeyvEmbeddingCache(keyv);
    await cache.open(MODEL);
    await keyv.set(`codesearch:embedding:${key(1)}`, { name: 'x' });
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      expect(await cache.getMany([key(1)])).toEqual([undefined]);
      expect(emit).toHaveBeenCalledWith(expect.stringContaining('1 entries could not be decoded'), {
        code: 'CODESEARCH_CACHE',
      });
    } finally {
      emit.mockRestore();
    }
  });
});

describe('EmbeddingFileStore as a plain keyv store', () => {
  it('supports the keyv store operations in memory', async () => {
    const store = new EmbeddingFileStore('/nowhere/cache.json');
    const keyv = new Keyv({ store });
    await keyv.set('a', { name: 'a' });
    await keyv.set('b', { name: 'b' });
    expect(await keyv.get('a')).toEqual({ name: 'a' });
    expect(await keyv.has('b')).toBe(true);
    expect(await keyv.hasMany(['a', 'z'])).toEqual([true, false]);
    expect(await keyv.delete('a')).toBe(true);
    expect(await keyv.deleteMany(['b', 'z'])).toBe(true);
    expect(store.size).toBe(0);
    await keyv.set('c', 1);
    await keyv.clear();
    expect(store.size).toBe(0);
    expect(store.opts.filename).toBe('/nowhere/cache.json');
  });
});

describe('loadOptionalPeer', () => {
  it('says what to install when the package is not there', async () => {
    // @ts-expect-error -- deliberately not installed
    const load = () => import('@keyv/not-installed-anywhere');
    await expect(loadOptionalPeer('@keyv/not-installed-anywhere', 'x:// caches', load)).rejects.toThrow(
      'x:// caches need the optional package @keyv/not-installed-anywhere: npm install @keyv/not-installed-anywhere',
    );
  });
});
