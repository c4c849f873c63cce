import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, defaultSessionCount, TransformersEmbedder } from '../src/index.js';
import { requireDefaultModel } from './model-dir.js';

// Session processes run the compiled session script, so these tests use the built package
// (`npm test` builds first); the sources' in-thread session is the reference.
const dist = (await import(
  path.resolve(import.meta.dirname, '../dist/index.js')
)) as typeof import('../src/index.js');
const { SessionPool } = (await import(
  path.resolve(import.meta.dirname, '../dist/transformers/session-pool.js')
)) as typeof import('../src/transformers/session-pool.js');

let modelsDir = '';
let int8Path = '';
beforeAll(async () => {
  modelsDir = await requireDefaultModel();
  int8Path = path.join(modelsDir, ...DEFAULT_MODEL.split('/'), 'onnx', 'model_quantized.onnx');
});

/** Real-looking texts of very different lengths (1 to ~256 tokens), in no particular order. */
const TEXTS = Array.from({ length: 24 }, (_, i) =>
  i % 3 === 0
    ? `def handler_${i}(request):\n    return request.json()`
    : `class Queue${i}:\n${'    def put(self, item):\n        self.items.append(item)\n'.repeat(1 + (i % 9) * 4)}`,
);

function tensor(values: number[]) {
  return { type: 'int64' as const, data: BigInt64Array.from(values.map(BigInt)), dims: [1, values.length] };
}

describe('model sessions in processes (real all-MiniLM-L6-v2, int8)', () => {
  it('gives every text exactly the vector the in-thread session gives it, running two sessions', async () => {
    const inThread = new TransformersEmbedder({ modelsDir, sessions: 1, threads: 2 });
    const pooled = new dist.TransformersEmbedder({ modelsDir, sessions: 2, threads: 2 });
    try {
      const expected = await inThread.embed(TEXTS);
      const actual = await pooled.embed(TEXTS);
      const runtime = await (pooled as unknown as { pooled: Promise<{ parallelRuns: number }> }).pooled;
      expect(runtime.parallelRuns).toBe(2);
      expect(actual).toHaveLength(TEXTS.length);
      actual.forEach((outcome, i) => {
        expect(outcome.ok, `text ${i}`).toBe(true);
        const want = expected[i]!;
        if (!outcome.ok || !want.ok) return;
        expect(Array.from(outcome.vector), `text ${i}`).toEqual(Array.from(want.vector));
        expect(outcome.truncated).toBe(want.truncated);
      });
    } finally {
      await Promise.all([inThread.dispose(), pooled.dispose()]);
    }
  });

  it('embeds a query in this thread; a call of 16 texts starts the sessions, which later calls use', async () => {
    const embedder = new dist.TransformersEmbedder({ modelsDir, sessions: 2, threads: 2 });
    const reference = new TransformersEmbedder({ modelsDir, sessions: 1 });
    const internals = embedder as unknown as { runtime?: Promise<unknown>; pooled?: Promise<unknown> };
    try {
      const [query] = await embedder.embed(['how does the queue retry']);
      expect(internals.runtime).toBeDefined();
      expect(internals.pooled).toBeUndefined();
      await embedder.embed(TEXTS.slice(0, 15));
      expect(internals.pooled).toBeUndefined();
      await embedder.embed(TEXTS.slice(0, 16));
      expect(internals.pooled).toBeDefined();
      const [again] = await embedder.embed(['how does the queue retry']);
      const [expected] = await reference.embed(['how does the queue retry']);
      if (!query?.ok || !again?.ok || !expected?.ok) throw new Error('a query failed to embed');
      expect(Array.from(again.vector)).toEqual(Array.from(expected.vector));
      expect(Array.from(query.vector)).toEqual(Array.from(expected.vector));
    } finally {
      await Promise.all([embedder.dispose(), reference.dispose()]);
    }
  });

  it('ends idle session processes after sessionIdleMs, and starts them again for the next big call', async () => {
    const embedder = new dist.TransformersEmbedder({
      modelsDir,
      sessions: 2,
      threads: 2,
      sessionIdleMs: 300,
    });
    const internals = embedder as unknown as {
      pooled?: Promise<{ session: { processes: Array<{ child: ChildProcess }> } }>;
    };
    try {
      const first = await embedder.embed(TEXTS.slice(0, 16));
      const children = (await internals.pooled!).session.processes.map((session) => session.child);
      expect(children).toHaveLength(2);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(internals.pooled).toBeUndefined();
      expect(children.map((child) => child.exitCode !== null || child.signalCode !== null)).toEqual([
        true,
        true,
      ]);
      const second = await embedder.embed(TEXTS.slice(0, 16));
      expect(internals.pooled).toBeDefined();
      second.forEach((outcome, i) => {
        const before = first[i]!;
        if (!outcome.ok || !before.ok) throw new Error(`text ${i} failed`);
        expect(Array.from(outcome.vector)).toEqual(Array.from(before.vector));
      });
    } finally {
      await embedder.dispose();
    }
  });

  it('fails only the run the model refuses, and the sessions go on', async () => {
    const pool = await SessionPool.start(int8Path, 2, 1);
    try {
      const good = [101, 7592, 2088, 102];
      const feeds = (ids: number[]) => ({
        input_ids: tensor(ids),
        attention_mask: tensor(ids.map(() => 1)),
        token_type_ids: tensor(ids.map(() => 0)),
      });
      // A token id far outside the vocabulary: the embedding lookup fails inside onnxruntime.
      const [bad, ok] = await Promise.allSettled([
        pool.run(feeds([101, 999_999_999, 102])),
        pool.run(feeds(good)),
      ]);
      expect(bad.status).toBe('rejected');
      expect(String((bad as PromiseRejectedResult).reason)).toMatch(/gather|indices|out of bounds|invalid/i);
      expect(ok.status).toBe('fulfilled');
      const again = await pool.run(feeds(good));
      expect(again.last_hidden_state?.dims).toEqual([1, 4, 384]);
    } finally {
      await pool.release();
    }
  });

  it('replaces a session process that dies, and refuses runs once released', async () => {
    const pool = await SessionPool.start(int8Path, 2, 1);
    const ids = [101, 7592, 102];
    const feeds = () => ({
      input_ids: tensor(ids),
      attention_mask: tensor([1, 1, 1]),
      token_type_ids: tensor([0, 0, 0]),
    });
    const processes = (pool as unknown as { processes: Array<{ child: ChildProcess }> }).processes;
    const victim = processes[0]!.child;
    const gone = new Promise((resolve) => victim.once('exit', resolve));
    victim.kill('SIGKILL');
    await gone;
    const results = await Promise.all(Array.from({ length: 6 }, () => pool.run(feeds())));
    expect(results.every((result) => result.last_hidden_state?.dims[1] === 3)).toBe(true);
    await pool.release();
    await expect(pool.run(feeds())).rejects.toThrow(/released/);
  });

  it('a session process that dies while release() waits for it fails its run, and release() ends', async () => {
    const pool = await SessionPool.start(int8Path, 1, 1);
    // 64 sequences of 256 tokens: a run of a second or more, long enough to kill it mid-way.
    const rows = 64;
    const width = 256;
    const ids = Array.from({ length: rows * width }, (_, i) => 1000 + (i % 5000));
    const big = (values: number[]) => ({
      type: 'int64' as const,
      data: BigInt64Array.from(values.map(BigInt)),
      dims: [rows, width],
    });
    const running = pool.run({
      input_ids: big(ids),
      attention_mask: big(ids.map(() => 1)),
      token_type_ids: big(ids.map(() => 0)),
    });
    const outcome = running.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    const [session] = (pool as unknown as { processes: Array<{ child: ChildProcess }> }).processes;
    const released = pool.release();
    session!.child.kill('SIGKILL');
    await released;
    expect(await outcome).toMatch(/the model process failed/);
  });

  it('says why a model cannot be loaded', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'codesearch-session-'));
    try {
      const broken = path.join(dir, 'model.onnx');
      await writeFile(broken, 'not an onnx model');
      await expect(SessionPool.start(broken, 2, 1)).rejects.toThrow(/protobuf|parse|load|invalid/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops between runs when aborted, and embeds again afterwards', async () => {
    const embedder = new dist.TransformersEmbedder({ modelsDir, sessions: 2, threads: 2 });
    try {
      await embedder.embed(['warm up']);
      const controller = new AbortController();
      const running = embedder.embed(TEXTS, { signal: controller.signal });
      controller.abort();
      await expect(running).rejects.toThrow();
      const [after] = await embedder.embed(['def f(): pass']);
      expect(after?.ok).toBe(true);
    } finally {
      await embedder.dispose();
    }
  });
});

describe('session defaults', () => {
  it('runs one single-threaded session per thread for int8 (at most four), one session for fp32', () => {
    expect(defaultSessionCount('int8', 1)).toBe(1);
    expect(defaultSessionCount('int8', 2)).toBe(2);
    expect(defaultSessionCount('int8', 15)).toBe(4);
    expect(defaultSessionCount('fp32', 2)).toBe(1);
  });

  it('refuses a negative or non-numeric idle time', () => {
    expect(() => new TransformersEmbedder({ sessionIdleMs: -1 })).toThrow(/sessionIdleMs must be a number/);
    expect(() => new TransformersEmbedder({ sessionIdleMs: Number.NaN })).toThrow(
      /sessionIdleMs must be a number/,
    );
  });

  it('refuses a nonsensical session count', () => {
    expect(() => new TransformersEmbedder({ sessions: 0 })).toThrow(/sessions must be a positive integer/);
    expect(() => new TransformersEmbedder({ sessions: 1.5 })).toThrow(/sessions must be a positive integer/);
  });
});
