import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LockHolder, readLockHolder, withFileLock } from '../src/index.js';
import { childDist, tempDir } from './helpers.js';

/** A child process that takes the lock of `file`, says "locked", and holds it for `holdMs`. */
function holdLockInChild(file: string, holdMs: number) {
  const script = `
    const { withFileLock } = await import(${JSON.stringify(childDist())});
    await withFileLock(${JSON.stringify(file)}, {}, async () => {
      process.stdout.write('locked\\n');
      await new Promise((resolve) => setTimeout(resolve, ${holdMs}));
    });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const locked = new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, locked, exited };
}

describe('withFileLock', () => {
  it('runs tasks one at a time and cleans up after itself', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'index.json');
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        withFileLock(file, {}, async () => {
          order.push(`${name}+`);
          await new Promise((resolve) => setTimeout(resolve, 30));
          order.push(`${name}-`);
        }),
      ),
    );
    for (let i = 0; i < order.length; i += 2) expect(order[i]!.slice(0, 1)).toBe(order[i + 1]!.slice(0, 1));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('tells a waiter who holds the lock, then runs once it is free', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'index.json');
    const holder = holdLockInChild(file, 1_000);
    await holder.locked;
    const seen: Array<LockHolder | undefined> = [];
    const ran = await withFileLock(
      file,
      { waitMs: 10_000, onWait: (who) => seen.push(who) },
      async () => 'ran',
    );
    expect(ran).toBe('ran');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ pid: holder.child.pid, since: expect.any(String) });
    expect(await holder.exited).toBe(0);
  });

  it('gives up after waitMs with ELOCKED and a message naming the holder', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'index.json');
    const holder = holdLockInChild(file, 3_000);
    await holder.locked;
    const error = await withFileLock(file, { waitMs: 300 }, async () => 'never').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ELOCKED' });
    expect((error as Error).message).toContain(`is held by process ${holder.child.pid}`);
    expect(await readLockHolder(file)).toMatchObject({ pid: holder.child.pid });
    holder.child.kill('SIGKILL');
    await holder.exited;
  });

  it('takes over the lock of a killed holder once it goes stale', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'index.json');
    const holder = holdLockInChild(file, 60_000);
    await holder.locked;
    holder.child.kill('SIGKILL');
    await holder.exited;
    expect(existsSync(`${file}.lock`)).toBe(true);
    const started = Date.now();
    expect(await withFileLock(file, { staleMs: 2_000, waitMs: 10_000 }, async () => 'taken over')).toBe(
      'taken over',
    );
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
