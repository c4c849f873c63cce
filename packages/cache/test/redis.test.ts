import { CacheError } from '@codesearch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddingCache } from '../src/index.js';
import { cacheConformance } from './cache-conformance.js';
import { bytesOf, childScript, entry, key, MODEL, runChildSync, vector } from './helpers.js';
import { type RedisServer, startRedis } from './redis-server.js';

let server: RedisServer;
let url: string;

beforeAll(async () => {
  server = await startRedis();
  url = `redis://127.0.0.1:${server.port}/0`;
}, 20_000);

afterAll(async () => {
  await server?.stop();
});

describe('redis:// cache: conformance', () => {
  cacheConformance(() => createEmbeddingCache(url, { onWarning: () => {} }));
});

describe('redis:// cache', () => {
  it('shares entries between two open instances', async () => {
    // A key prefix of its own: the count below must not include other tests' entries.
    const shared = () => createEmbeddingCache(url, { keyPrefix: 'shares-test:', onWarning: () => {} });
    const a = shared();
    const b = shared();
    await a.open(MODEL);
    await b.open(MODEL);
    await a.setMany([[key(1), entry(1)]]);
    const [seen] = await b.getMany([key(1)]);
    expect(bytesOf(seen!.embedding).equals(bytesOf(vector(1)))).toBe(true);
    await b.setMany([[key(2), entry(2)]]);
    expect((await a.getMany([key(2)]))[0]?.name).toBe('fn_2');
    await a.flush();
    await b.flush();
    await a.close();
    await b.close();
    const c = shared();
    const report = await c.open(MODEL);
    // Counted by the writers' metadata: one new entry each.
    expect(report.entries).toBe(2);
    await c.close();
  });

  it('keeps the password out of location and messages', async () => {
    const secured = await startRedis(['--requirepass', 's3cret']);
    try {
      const good = createEmbeddingCache(`redis://:s3cret@127.0.0.1:${secured.port}`);
      expect(good.location).toBe(`redis://127.0.0.1:${secured.port}`);
      await good.open(MODEL);
      await good.setMany([[key(1), entry(1)]]);
      expect((await good.getMany([key(1)]))[0]?.name).toBe('fn_1');
      await good.close();

      const wrong = createEmbeddingCache(`redis://:wrong-pass@127.0.0.1:${secured.port}`);
      const error = await wrong.open(MODEL).catch((caught: unknown) => caught);
      expect(CacheError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(`cannot open redis://127.0.0.1:${secured.port}`);
      expect((error as Error).message).not.toContain('wrong-pass');
    } finally {
      await secured.stop();
    }
  });

  it('fails to open with a CacheError, promptly, when nothing listens', async () => {
    const down = await startRedis();
    const location = `redis://127.0.0.1:${down.port}`;
    await down.stop();
    const started = Date.now();
    const error = await createEmbeddingCache(location, { connectTimeoutMs: 1000 })
      .open(MODEL)
      .catch((caught: unknown) => caught);
    expect(CacheError.isInstance(error)).toBe(true);
    expect((error as CacheError).code).toBe('OPEN_FAILED');
    expect((error as Error).message).toContain(`cannot open ${location}`);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('close() disconnects, so a process using it exits by itself at once', () => {
    const script = childScript(`
      const { createEmbeddingCache } = await import(INDEX);
      const cache = createEmbeddingCache(process.argv[2]);
      await cache.open({ modelName: 'test/mini', modelVersion: 'v1', dimensions: 4 });
      await cache.setMany([['e'.repeat(64), { name: 'n', embedding: new Float32Array(4), timestamp: 't', modelVersion: 'v1' }]]);
      await cache.close();
      const closedAt = performance.now();
      process.on('exit', () => process.stdout.write(String(Math.round(performance.now() - closedAt))));
    `);
    const child = runChildSync(script, [url], { timeoutMs: 20_000 });
    expect(child.status, child.stderr).toBe(0);
    // Nothing (socket, timer) keeps the event loop alive after close().
    expect(Number(child.stdout)).toBeLessThan(1000);
  });
});
