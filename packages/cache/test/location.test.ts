import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CacheError } from '@codesearch/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createEmbeddingCache,
  defaultCacheDir,
  JsonFileEmbeddingCache,
  KeyvEmbeddingCache,
  resolveLocation,
} from '../src/index.js';
import { MODEL, tempDir, warnings } from './helpers.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('defaultCacheDir', () => {
  it('is ~/.codesearch/embeddings, or $CODESEARCH_CACHE_DIR', () => {
    vi.stubEnv('CODESEARCH_CACHE_DIR', '');
    expect(defaultCacheDir()).toBe(path.join(homedir(), '.codesearch', 'embeddings'));
    vi.stubEnv('CODESEARCH_CACHE_DIR', '/var/cache/cs');
    expect(defaultCacheDir()).toBe('/var/cache/cs');
    vi.stubEnv('CODESEARCH_CACHE_DIR', '~/cs');
    expect(defaultCacheDir()).toBe(path.join(homedir(), 'cs'));
  });
});

describe('resolveLocation', () => {
  it('maps undefined, directories and .json paths to a cache file', () => {
    vi.stubEnv('CODESEARCH_CACHE_DIR', '/x/cache');
    expect(resolveLocation()).toEqual({ kind: 'file', path: '/x/cache/cache.json' });
    expect(resolveLocation('')).toEqual({ kind: 'file', path: '/x/cache/cache.json' });
    expect(resolveLocation('/data/embeddings')).toEqual({
      kind: 'file',
      path: '/data/embeddings/cache.json',
    });
    expect(resolveLocation('/data/my-cache.json')).toEqual({ kind: 'file', path: '/data/my-cache.json' });
    expect(resolveLocation('rel/dir')).toEqual({ kind: 'file', path: path.resolve('rel/dir/cache.json') });
    expect(resolveLocation('~/c.json')).toEqual({ kind: 'file', path: path.join(homedir(), 'c.json') });
    expect(resolveLocation('file:///data/x.json')).toEqual({ kind: 'file', path: '/data/x.json' });
  });

  it('recognises sqlite://, redis:// and rediss:// URLs', () => {
    expect(resolveLocation('sqlite:///abs/cache.sqlite')).toEqual({
      kind: 'sqlite',
      path: '/abs/cache.sqlite',
      display: 'sqlite:///abs/cache.sqlite',
    });
    expect(resolveLocation('sqlite://rel/cache.db')).toMatchObject({ path: path.resolve('rel/cache.db') });
    expect(resolveLocation('SQLITE://:memory:')).toMatchObject({ kind: 'sqlite', path: ':memory:' });
    expect(resolveLocation('redis://localhost:6379/2')).toEqual({
      kind: 'redis',
      url: 'redis://localhost:6379/2',
      display: 'redis://localhost:6379/2',
    });
    expect(resolveLocation('rediss://user:secret@host:6380')).toEqual({
      kind: 'redis',
      url: 'rediss://user:secret@host:6380',
      display: 'rediss://user@host:6380',
    });
  });

  it('throws a CacheError naming an unknown scheme or a bad URL', () => {
    const unknown = (() => {
      try {
        resolveLocation('postgres://db/x');
      } catch (error) {
        return error;
      }
    })();
    expect(CacheError.isInstance(unknown)).toBe(true);
    expect((unknown as CacheError).message).toContain('postgres://');
    expect((unknown as CacheError).code).toBe('UNKNOWN_SCHEME');
    expect(() => resolveLocation('sqlite://')).toThrow(/no database path/);
    expect(() => resolveLocation('redis://:pw@[bad')).toThrow(/not a valid URL/);
    expect(() => resolveLocation('redis://:pw@[bad')).not.toThrow(/pw/);
  });
});

describe('createEmbeddingCache', () => {
  it('touches nothing until open() and reports its location without a password', () => {
    const root = tempDir();
    const file = path.join(root, 'deep', 'nested', 'cache.json');
    const cache = createEmbeddingCache(path.join(root, 'deep', 'nested'));
    expect(cache).toBeInstanceOf(JsonFileEmbeddingCache);
    expect(cache.location).toBe(file);
    expect(cache.specificationVersion).toBe('v1');
    expect(existsSync(path.join(root, 'deep'))).toBe(false);

    const sqlite = createEmbeddingCache(`sqlite://${root}/db/cache.sqlite`);
    expect(sqlite).toBeInstanceOf(KeyvEmbeddingCache);
    expect(sqlite.location).toBe(`sqlite://${root}/db/cache.sqlite`);
    expect(existsSync(path.join(root, 'db'))).toBe(false);

    // No connection is attempted: nothing listens on port 1.
    const redis = createEmbeddingCache('redis://:hunter2@127.0.0.1:1/0');
    expect(redis.location).toBe('redis://127.0.0.1:1/0');
  });

  it('uses cache.json inside an existing directory even when its name ends in .json', async () => {
    const root = tempDir();
    const dir = path.join(root, 'odd.json');
    mkdirSync(dir);
    const cache = createEmbeddingCache(dir, warnings());
    await cache.open(MODEL);
    expect(cache.location).toBe(path.join(dir, 'cache.json'));
    await cache.close();
    expect(existsSync(path.join(dir, 'cache.json'))).toBe(true);
  });

  it('fails on an unknown scheme at once', () => {
    expect(() => createEmbeddingCache('s3://bucket/cache')).toThrow(
      /unknown cache location scheme "s3:\/\/"/,
    );
  });
});
