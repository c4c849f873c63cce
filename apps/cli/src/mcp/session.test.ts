import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FreshnessReport, RefreshOptions, SearchService } from '../search-service.js';
import { McpSession } from './session.js';

// The session's orchestration (one build shared by concurrent questions, waiting limits,
// retries after a failure) against a fake service; the real service is driven end to end in
// tests/mcp.test.ts.

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'codesearch-session-'));
  await mkdir(path.join(root, 'src'));
  await writeFile(path.join(root, 'src', 'a.py'), 'def a():\n    return 1\n');
  await writeFile(path.join(root, 'src', 'b.py'), 'def b():\n    return 2\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const PENDING = { added: 0, changed: 0, deleted: 0, renamed: 0 };

interface FakeControls {
  service: SearchService;
  refreshes: number;
  ensureFreshCalls: Array<RefreshOptions>;
  /** Settles the refresh in flight. */
  finish(report?: Partial<FreshnessReport>): void;
  fail(error: Error): void;
  progress(message: string, progress?: { done: number; total: number }): void;
  indexed: boolean;
}

/** A service whose index has no manifest until a refresh finishes. */
function fakeService(): FakeControls {
  let settle: { resolve(report: FreshnessReport): void; reject(error: Error): void } | undefined;
  let onProgress: RefreshOptions['onProgress'];
  const controls: FakeControls = {
    refreshes: 0,
    ensureFreshCalls: [],
    indexed: false,
    finish(report = {}) {
      controls.indexed = true;
      settle?.resolve({
        state: 'refreshed',
        pending: PENDING,
        refreshCommand: `codesearch index ${root}`,
        refreshed: {
          indexed: ['src/a.py', 'src/b.py'],
          removed: [],
          changes: { added: 2, changed: 0, deleted: 0, renamed: 0 },
          embedded: 2,
          units: 2,
          errors: [],
          whole: true,
          ms: 5,
        },
        ...report,
      } as FreshnessReport);
    },
    fail(error) {
      settle?.reject(error);
    },
    progress(message, progress) {
      onProgress?.(message, progress);
    },
    service: {
      root,
      refreshCommand: `codesearch index ${root}`,
      index: {
        manifest: async () => (controls.indexed ? { consistent: true } : undefined),
        stats: async () => ({ entities: controls.indexed ? 2 : 0 }),
      },
      refresh(options: RefreshOptions = {}) {
        controls.refreshes++;
        onProgress = options.onProgress;
        return new Promise<FreshnessReport>((resolve, reject) => {
          settle = { resolve, reject };
        });
      },
      async ensureFresh(options: RefreshOptions = {}) {
        controls.ensureFreshCalls.push(options);
        return { state: 'fresh', pending: PENDING, refreshCommand: `codesearch index ${root}` };
      },
      async close() {},
    } as unknown as SearchService,
  };
  return controls;
}

const quiet = () => undefined;
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
/** Until the fake's refresh has been called `count` times (the files are counted first). */
async function refreshed(fake: FakeControls, count = 1): Promise<void> {
  while (fake.refreshes < count) await tick();
}

describe('McpSession', () => {
  it('builds a missing index once for questions asked together, and relays progress to each', async () => {
    const fake = fakeService();
    const session = new McpSession(fake.service, { sync: true, log: quiet });
    const heardA: string[] = [];
    const heardB: string[] = [];
    const first = session.prepare((message) => heardA.push(message));
    const second = session.prepare((message) => heardB.push(message));
    await refreshed(fake);
    await tick();
    fake.progress('embedding: 1/2 units', { done: 1, total: 2 });
    fake.finish();
    const [a, b] = await Promise.all([first, second]);
    expect(fake.refreshes).toBe(1);
    expect(a).toMatchObject({ ready: true, freshness: { state: 'refreshed' } });
    expect(b).toMatchObject({ ready: true, freshness: { state: 'refreshed' } });
    expect(heardA).toContain('embedding: 1/2 units');
    expect(heardB).toContain('embedding: 1/2 units');
    // Indexed: the next question only checks freshness.
    await expect(session.prepare()).resolves.toMatchObject({ ready: true, freshness: { state: 'fresh' } });
    expect(fake.refreshes).toBe(1);
    expect(fake.ensureFreshCalls).toHaveLength(1);
  });

  it('answers "still indexing" after its wait, and the build goes on for the next question', async () => {
    const fake = fakeService();
    const session = new McpSession(fake.service, {
      sync: true,
      log: quiet,
      wait: { withoutProgressMs: 50, withProgressMs: 50 },
    });
    const answer = await session.prepare();
    expect(answer.ready).toBe(false);
    expect(!answer.ready && answer.message).toMatch(
      new RegExp(
        `^indexing ${root} in the background \\(started \\d+ s ago\\): 2 source files \\(1 KB\\) to index, about \\d+ s left\\. Search again when it is done`,
      ),
    );
    expect(session.buildState()).toMatch(/^indexing .* in the background/);
    fake.progress('embedding: 1/2 units', { done: 1, total: 2 });
    expect(session.buildState()).toContain('1/2 units embedded');
    const later = session.prepare();
    await tick();
    fake.finish();
    await expect(later).resolves.toMatchObject({ ready: true });
    expect(fake.refreshes).toBe(1);
    expect(session.buildState()).toBeUndefined();
  });

  it('a failed build is the error of the questions waiting for it; the next question starts another', async () => {
    const fake = fakeService();
    const session = new McpSession(fake.service, { sync: true, log: quiet });
    const waiting = session.prepare();
    await refreshed(fake);
    fake.fail(new Error('[store] cannot write /x: ENOSPC'));
    await expect(waiting).rejects.toThrow('[store] cannot write /x: ENOSPC');
    const again = session.prepare();
    await refreshed(fake, 2);
    fake.finish();
    await expect(again).resolves.toMatchObject({ ready: true });
  });

  it('a build that could not run (another writer) is an answer that says why', async () => {
    const fake = fakeService();
    const session = new McpSession(fake.service, { sync: true, log: quiet });
    const waiting = session.prepare();
    await refreshed(fake);
    fake.finish({ state: 'stale', reason: 'another codesearch process is writing the index' });
    await expect(waiting).resolves.toEqual({
      ready: false,
      message: `${root} could not be indexed: another codesearch process is writing the index; run \`codesearch index ${root}\``,
    });
  });

  it('with --no-sync never builds, and says what to run', async () => {
    const fake = fakeService();
    const session = new McpSession(fake.service, { sync: false, log: quiet });
    await expect(session.prepare()).resolves.toEqual({
      ready: false,
      message: `${root} is not indexed yet, and this server runs with --no-sync (it never writes the index): run \`codesearch index ${root}\` first`,
    });
    expect(fake.refreshes).toBe(0);
  });

  it('freshness checks run one at a time', async () => {
    const fake = fakeService();
    fake.indexed = true;
    let running = 0;
    let most = 0;
    const service = fake.service as unknown as {
      ensureFresh: (options: RefreshOptions) => Promise<FreshnessReport>;
    };
    service.ensureFresh = async () => {
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
      return { state: 'fresh', pending: PENDING, refreshCommand: '' };
    };
    const session = new McpSession(fake.service, { sync: true, log: quiet });
    await Promise.all([session.prepare(), session.prepare(), session.prepare()]);
    expect(most).toBe(1);
  });
});
