import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '@codesearch/core';
import { type LockHolder, readLockHolder } from '@codesearch/fs';
import { describe, expect, it } from 'vitest';
import { type CodeIndex, checkIndexLocation, MARKER_FILE, openCodeIndex } from '../src/index.js';
import { type Child, childScript, runChild, startChild } from './child.js';
import { MODEL, tempDir, track, unit, withTable } from './helpers.js';

// Real processes: two writers at once, and writers killed (SIGKILL) in the middle of a sync.

/**
 * argv: dir, record count, salt, mode (create | rebuild), go-file (optional: wait for it
 * before syncing). Prints `ready`, `syncing`, then the report as JSON and `synced` (or the
 * error as JSON).
 */
const SYNC = `
import { existsSync } from 'node:fs';
const [dir, n, salt, mode, go] = process.argv.slice(2);
const index = await STORE.openCodeIndex(dir, {
  model: MODEL,
  rebuild: mode === 'rebuild',
  onLockWait: (holder) => console.log('waiting for ' + (holder ? holder.pid : 'unknown')),
});
const recs = records(Number(n), salt);
console.log('ready');
if (go) while (!existsSync(go)) await new Promise((resolve) => setTimeout(resolve, 5));
console.log('syncing');
try {
  console.log(JSON.stringify(await index.sync(recs)));
  console.log('synced');
} catch (error) {
  console.log(JSON.stringify({ error: error.code, message: error.message }));
}
await index.close();
`;

let script: string | undefined;
const syncScript = () => {
  script ??= childScript(SYNC);
  return script;
};

const OLD = 50;
/** Big enough that building it takes over a second: random kills land before the swap. */
const NEW = 8000;

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

async function rowsPerKey(dir: string): Promise<{ rows: number; keys: number; salts: Set<string> }> {
  const rows = await withTable(dir, (table) => table.query().select(['locationKey', 'name']).toArray());
  return {
    rows: rows.length,
    keys: new Set(rows.map((row) => row.locationKey as string)).size,
    salts: new Set(rows.map((row) => (row.name as string).split('_')[1]!)),
  };
}

async function generations(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('gen-'));
}

/** What a reader sees now: entity count and which record set (by salt). */
async function readerView(dir: string): Promise<{ entities: number; salts: string[] }> {
  const index = await openCodeIndex(dir, { model: MODEL, create: false });
  try {
    const entities = (await index.stats()).entities;
    const hits = await index.search(
      { text: '', vector: unit(1, 1, 1, 1, 1, 1, 1, 1) },
      { mode: 'vector', k: 10_000 },
    );
    expect(hits).toHaveLength(entities);
    return { entities, salts: [...new Set(hits.map((hit) => hit.name.split('_')[1]!))] };
  } finally {
    await index.close();
  }
}

async function build(dir: string, count: number, salt: string): Promise<void> {
  const result = await runChild(syncScript(), [dir, String(count), salt, 'create']);
  expect(result.stdout, result.stderr).toContain('synced');
}

/** Kills `child` `delayMs` after it said `syncing`; whether it finished first. */
async function killDuringSync(child: Child, delayMs: number): Promise<boolean> {
  await child.waitFor('syncing');
  await sleep(delayMs);
  child.kill('SIGKILL');
  await child.exited;
  return child.output().stdout.includes('synced');
}

/**
 * How long a whole sync of `args` takes on this machine now, from "syncing" to exit: kills are
 * spread over that span, so that most land before the swap however fast or busy the machine is.
 */
async function timeWholeSync(args: string[]): Promise<number> {
  const child = startChild(syncScript(), args);
  await child.waitFor('syncing');
  const started = Date.now();
  await child.exited;
  return Date.now() - started;
}

/** The lock of a killed holder goes stale after 10 s; these tests remove it at once instead. */
async function removeDeadLock(dir: string): Promise<void> {
  await rm(join(dir, `${MARKER_FILE}.lock`), { recursive: true, force: true });
}

describe('two writers at once', () => {
  it('first builds of one new index, 5 times: rows = records, one generation, no conflict error', async () => {
    const count = 617;
    for (let round = 0; round < 5; round++) {
      const dir = join(await tempDir(), 'idx');
      const go = join(dir, '..', `go-${round}`);
      const children = [0, 1].map(() => startChild(syncScript(), [dir, String(count), 'same', 'create', go]));
      await Promise.all(children.map((child) => child.waitFor('ready')));
      await writeFile(go, '');
      await Promise.all(children.map((child) => child.exited));
      const reports = children.map((child) => {
        const { stdout, stderr } = child.output();
        expect(stdout, stderr).toContain('synced');
        return jsonLines(stdout)[0]!;
      });
      expect(reports.map((r) => r.added).sort()).toEqual([0, count]);
      expect(reports.map((r) => r.unchanged).sort()).toEqual([0, count]);
      expect(await rowsPerKey(dir)).toMatchObject({ rows: count, keys: count });
      expect(await generations(dir)).toHaveLength(1);
    }
  }, 120_000);

  it('incremental syncs into one existing index, 3 times: rows = records, no conflict error', async () => {
    const dir = join(await tempDir(), 'idx');
    await build(dir, 300, 'a');
    for (let round = 0; round < 3; round++) {
      const salt = `b${round}`;
      const go = join(dir, '..', `go-${round}`);
      const children = [0, 1].map(() => startChild(syncScript(), [dir, '600', salt, 'create', go]));
      await Promise.all(children.map((child) => child.waitFor('ready')));
      await writeFile(go, '');
      await Promise.all(children.map((child) => child.exited));
      for (const child of children) expect(child.output().stdout, child.output().stderr).toContain('synced');
      expect(await rowsPerKey(dir)).toMatchObject({ rows: 600, keys: 600, salts: new Set([salt]) });
    }
  }, 120_000);
});

describe('a writer killed with SIGKILL', () => {
  it('during a rebuild, at random moments: the old index answers with the old rows every time; the next writer cleans up', async () => {
    const dir = join(await tempDir(), 'idx');
    await build(dir, OLD, 'old');
    const rebuildMs = await timeWholeSync([dir, String(NEW), 'new', 'rebuild']);
    await build(dir, OLD, 'old');
    let killedBeforeSwap = 0;
    const rounds: string[] = [];
    for (let round = 0; round < 6; round++) {
      const child = startChild(syncScript(), [dir, String(NEW), 'new', 'rebuild']);
      const delay = Math.round(Math.random() * 0.7 * rebuildMs);
      const finished = await killDuringSync(child, delay);
      await removeDeadLock(dir);
      const view = await readerView(dir);
      rounds.push(
        `killed ${delay} ms after "syncing": ${view.entities} rows${finished ? ' (it had finished)' : ''}`,
      );
      if (finished || view.salts.includes('new')) {
        // Killed after the swap: then the new index is complete.
        expect(view).toEqual({ entities: NEW, salts: ['new'] });
        await build(dir, OLD, 'old'); // back to the old rows for the next round (incremental)
      } else {
        expect(view).toEqual({ entities: OLD, salts: ['old'] });
        killedBeforeSwap++;
      }
    }
    expect(killedBeforeSwap, `a rebuild takes ${rebuildMs} ms\n${rounds.join('\n')}`).toBeGreaterThanOrEqual(
      3,
    );
    // The next writer removes the generations the killed runs left.
    await build(dir, OLD, 'old');
    expect(await generations(dir)).toHaveLength(1);
    expect((await readdir(dir)).sort()).toEqual([MARKER_FILE, ...(await generations(dir))].sort());
  }, 180_000);

  it('while it holds the lock: readers go on; the next writer waits, takes the stale lock over and cleans up', async () => {
    const dir = join(await tempDir(), 'idx');
    await build(dir, OLD, 'old');
    const child = startChild(syncScript(), [dir, String(NEW), 'new', 'rebuild']);
    await child.waitFor('syncing');
    const lock = join(dir, `${MARKER_FILE}.lock`);
    // Taken, and the holder has described itself (written, not atomically, right after taking it).
    while (!existsSync(lock) || (await readLockHolder(join(dir, MARKER_FILE)))?.pid !== child.pid)
      await sleep(2);
    child.kill('SIGKILL');
    await child.exited;
    expect(child.output().stdout).not.toContain('synced');
    expect(existsSync(lock)).toBe(true);

    const started = Date.now();
    expect(await readerView(dir)).toEqual({ entities: OLD, salts: ['old'] });
    expect(Date.now() - started).toBeLessThan(5_000); // reads never wait for the lock

    const waits: Array<LockHolder | undefined> = [];
    const writer: CodeIndex = track(
      await openCodeIndex(dir, { model: MODEL, onLockWait: (holder) => waits.push(holder) }),
    );
    const report = await writer.sync([]);
    expect(report).toMatchObject({ removed: OLD });
    expect(waits).toHaveLength(1);
    expect(waits[0]?.pid).toBe(child.pid);
    expect(await generations(dir)).toHaveLength(1);
  }, 60_000);

  it('during a first build: no index, never an empty one; the directory stays usable', async () => {
    const dir = join(await tempDir(), 'idx');
    const buildMs = await timeWholeSync([join(await tempDir(), 'idx'), String(NEW), 'new', 'create']);
    let killedBeforeSwap = 0;
    const rounds: string[] = [];
    for (let round = 0; round < 5; round++) {
      const child = startChild(syncScript(), [dir, String(NEW), 'new', 'create']);
      const delay = Math.round(Math.random() * 0.7 * buildMs);
      const finished = await killDuringSync(child, delay);
      await removeDeadLock(dir);
      rounds.push(`killed ${delay} ms after "syncing"${finished ? ' (it had finished)' : ''}`);
      if (finished || existsSync(join(dir, MARKER_FILE))) {
        expect(await readerView(dir)).toEqual({ entities: NEW, salts: ['new'] });
        await rm(join(dir, MARKER_FILE)); // start over: an unmarked directory with our leftovers
      } else {
        const error = await openCodeIndex(dir, { model: MODEL, create: false }).catch((e: unknown) => e);
        expect(StoreError.isInstance(error) && error.code, String(error)).toBe('INDEX_NOT_FOUND');
        killedBeforeSwap++;
      }
      await checkIndexLocation(dir); // leftovers of a killed build do not make it "not an index"
    }
    expect(
      killedBeforeSwap,
      `a first build takes ${buildMs} ms\n${rounds.join('\n')}`,
    ).toBeGreaterThanOrEqual(3);
    await build(dir, OLD, 'old');
    expect(await readerView(dir)).toEqual({ entities: OLD, salts: ['old'] });
    expect((await readdir(dir)).sort()).toEqual([MARKER_FILE, ...(await generations(dir))].sort());
  }, 180_000);
});
