import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmbeddingCache, KeyvEmbeddingCache } from '../src/index.js';
import { loadOptionalPeer, openSqliteKeyv } from '../src/stores.js';
import { cacheConformance } from './cache-conformance.js';
import { childDist, childScript, entry, key, MODEL, runChildSync, tempDir, warnings } from './helpers.js';

describe('sqlite:// cache: conformance', () => {
  const url = `sqlite://${path.join(tempDir(), 'sub', 'cache.sqlite')}`;
  cacheConformance(() => createEmbeddingCache(url, { onWarning: () => {} }));
});

describe('sqlite:// cache', () => {
  it('creates the database and its directory at open(), and persists across instances', async () => {
    const file = path.join(tempDir(), 'db', 'cache.sqlite');
    const cache = createEmbeddingCache(`sqlite://${file}`);
    expect(cache.location).toBe(`sqlite://${file}`);
    expect(existsSync(file)).toBe(false);
    const first = await cache.open(MODEL);
    expect(existsSync(file)).toBe(true);
    expect(first).toMatchObject({ entries: 0, warnings: [] });
    await cache.setMany(Array.from({ length: 300 }, (_, i) => [key(i), entry(i)] as const));
    await cache.flush();
    await cache.close();

    const again = createEmbeddingCache(`sqlite://${file}`);
    const report = await again.open(MODEL);
    expect(report.entries).toBe(300);
    expect(report.metadata.created).toBe(first.metadata.created);
    const got = await again.getMany([key(0), key(299), key(300)]);
    expect(got.map((e) => e?.name)).toEqual(['fn_0', 'fn_299', undefined]);
    await again.close();
  });

  it('counts only new entries and keeps models apart in one database', async () => {
    const url = `sqlite://${path.join(tempDir(), 'shared.sqlite')}`;
    const a = createEmbeddingCache(url);
    await a.open(MODEL);
    await a.setMany([
      [key(1), entry(1)],
      [key(2), entry(2)],
    ]);
    await a.setMany([[key(1), entry(1)]]); // rewriting an entry is not a new one
    await a.close();

    const other = { ...MODEL, modelVersion: 'v2' };
    const b = createEmbeddingCache(url);
    const report = await b.open(other);
    expect(report.entries).toBe(0);
    expect(report.metadata.replaced).toBeUndefined();
    await b.setMany([[key(3), { ...entry(3), modelVersion: 'v2' }]]);
    await b.close();

    const c = createEmbeddingCache(url);
    expect((await c.open(MODEL)).entries).toBe(2);
    await c.close();
  });

  it('treats a value that is not a valid entry as a miss, with one warning', async () => {
    const file = path.join(tempDir(), 'bad.sqlite');
    const keyv = await openSqliteKeyv(file);
    const sink = warnings();
    const cache = new KeyvEmbeddingCache(keyv, { location: `sqlite://${file}`, onWarning: sink.onWarning });
    await cache.open(MODEL);
    await cache.setMany([
      [key(1), entry(1)],
      [key(2), entry(2)],
    ]);
    const store = keyv.store as { query: (sql: string, ...args: unknown[]) => Promise<unknown> };
    await store.query(
      'UPDATE keyv SET value = ? WHERE key = ?',
      '{not json',
      `codesearch:embedding:${key(1)}`,
    );
    await store.query(
      'UPDATE keyv SET value = ? WHERE key = ?',
      JSON.stringify({ name: 'x', embedding: 'AAAA', timestamp: 't', modelVersion: 'v1' }),
      `codesearch:embedding:${key(2)}`,
    );
    expect(await cache.getMany([key(1), key(2)])).toEqual([undefined, undefined]);
    expect(sink.list).toEqual([expect.stringContaining('2 entries could not be decoded')]);
    await cache.close();
  });

  it('close() releases the database, so a process using it exits by itself at once', () => {
    const script = childScript(`
      const { createEmbeddingCache } = await import(INDEX);
      const cache = createEmbeddingCache('sqlite://' + process.argv[2]);
      await cache.open({ modelName: 'test/mini', modelVersion: 'v1', dimensions: 4 });
      await cache.setMany([['e'.repeat(64), { name: 'n', embedding: new Float32Array(4), timestamp: 't', modelVersion: 'v1' }]]);
      await cache.close();
      const closedAt = performance.now();
      process.on('exit', () => process.stdout.write(String(Math.round(performance.now() - closedAt))));
    `);
    const child = runChildSync(script, [path.join(tempDir(), 'exit.sqlite')], { timeoutMs: 20_000 });
    expect(child.status, child.stderr).toBe(0);
    expect(Number(child.stdout)).toBeLessThan(1000);
  });

  it('fails to open with a CacheError naming the location when the database cannot be created', async () => {
    const dir = tempDir();
    const cache = createEmbeddingCache(`sqlite://${dir}`); // a directory, not a database
    await expect(cache.open(MODEL)).rejects.toThrow(new RegExp(`cannot open sqlite://${dir}`));
  });
});

describe('optional peers', () => {
  it('names the package to install when @keyv/sqlite or @keyv/redis is missing', () => {
    const dist = childDist(['@keyv']);
    const script = childScript(
      `
      const { createEmbeddingCache } = await import(INDEX);
      const out = [];
      for (const location of ['sqlite://' + process.argv[2] + '/c.sqlite', 'redis://127.0.0.1:1']) {
        try {
          await createEmbeddingCache(location).open({ modelName: 'm', modelVersion: 'v', dimensions: 4 });
          out.push('opened');
        } catch (error) {
          out.push({ code: error.code, message: error.message });
        }
      }
      process.stdout.write(JSON.stringify(out));
      `,
      dist,
    );
    const child = runChildSync(script, [tempDir()]);
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual([
      {
        code: 'MISSING_DEPENDENCY',
        message: '[cache] sqlite:// caches need the optional package @keyv/sqlite: npm install @keyv/sqlite',
      },
      {
        code: 'MISSING_DEPENDENCY',
        message: '[cache] redis:// caches need the optional package @keyv/redis: npm install @keyv/redis',
      },
    ]);
  });

  it('reports a peer that is installed but fails to load', async () => {
    const failure = Object.assign(new Error('libsqlite.so: cannot open shared object'), {
      code: 'ERR_DLOPEN_FAILED',
    });
    await expect(
      loadOptionalPeer('@keyv/sqlite', 'sqlite:// caches', () => Promise.reject(failure)),
    ).rejects.toThrow('sqlite:// caches: cannot load @keyv/sqlite: libsqlite.so: cannot open shared object');
  });
});
