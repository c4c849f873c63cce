import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';

/** Who holds a lock, as the holder wrote it when it took the lock. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** The holder's command line (`codesearch index .`), shortened. */
  command: string;
  /** ISO-8601 time the lock was taken. */
  since: string;
}

export interface FileLockOptions {
  /** A lock not refreshed for this long belongs to a dead process and is taken over. */
  staleMs?: number;
  /** How long to wait for another process's lock before failing with ELOCKED (naming the holder). */
  waitMs?: number;
  /** The lock was lost while held (its directory removed or not refreshed in time). */
  onCompromised?: (error: Error) => void;
  /** Called once, when the lock is found busy and waiting starts. */
  onWait?: (holder: LockHolder | undefined) => void;
}

export const DEFAULT_LOCK_STALE_MS = 10_000;
export const DEFAULT_LOCK_WAIT_MS = 20_000;
const RETRY_INTERVAL_MS = 50;

/** The lock of `file` is the directory `<file>.lock` (created atomically by mkdir). */
function lockPath(file: string): string {
  return `${file}.lock`;
}

/**
 * Beside the lock, not in it: proper-lockfile releases with rmdir, which needs the lock
 * directory empty. Overwritten by each holder, removed on release; informational only.
 */
function holderPath(file: string): string {
  return `${file}.lock-holder`;
}

/**
 * Runs `task` holding the lock of `file` (a directory `<file>.lock`, refreshed while held, so
 * that the lock of a killed holder goes stale and is taken over). A busy lock is waited for up
 * to `waitMs`; then the call rejects with code ELOCKED and a message naming the holder.
 */
export async function withFileLock<T>(
  file: string,
  options: FileLockOptions,
  task: () => Promise<T>,
): Promise<T> {
  const release = await acquire(file, options);
  const holder: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    command: commandLine(),
    since: new Date().toISOString(),
  };
  await writeFile(holderPath(file), `${JSON.stringify(holder)}\n`).catch(() => {});
  try {
    return await task();
  } finally {
    await rm(holderPath(file), { force: true }).catch(() => {});
    // A compromised lock was already reported; releasing it then fails harmlessly.
    await release().catch(() => {});
  }
}

/** The holder of `file`'s lock as it described itself, or `undefined` when unknown. */
export async function readLockHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const value = JSON.parse(await readFile(holderPath(file), 'utf8')) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || typeof value.since !== 'string') return undefined;
    return {
      pid: value.pid,
      hostname: String(value.hostname ?? ''),
      command: String(value.command ?? ''),
      since: value.since,
    };
  } catch {
    return undefined;
  }
}

function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'another process';
  const host = holder.hostname && holder.hostname !== hostname() ? ` on ${holder.hostname}` : '';
  return `process ${holder.pid}${host} (${holder.command || 'unknown command'}, since ${holder.since})`;
}

function commandLine(): string {
  // The script by its name, as a user typed it: `codesearch index .`, not `/…/bin/codesearch.js index .`.
  const words = process.argv.slice(1).map((word, index) =>
    index === 0
      ? word
          .split('/')
          .pop()!
          .replace(/\.[cm]?js$/, '')
      : word,
  );
  const text = words.join(' ');
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/**
 * Retries only while another process holds the lock: proper-lockfile's own `retries` would
 * also retry EACCES or EROFS for the whole wait.
 */
async function acquire(file: string, options: FileLockOptions): Promise<() => Promise<void>> {
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  const deadline = Date.now() + waitMs;
  let waiting = false;
  for (;;) {
    try {
      return await lockfile.lock(file, {
        realpath: false, // the file may not exist yet
        lockfilePath: lockPath(file),
        stale: options.staleMs ?? DEFAULT_LOCK_STALE_MS,
        onCompromised: options.onCompromised ?? (() => {}),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (!waiting) {
        waiting = true;
        options.onWait?.(await readLockHolder(file));
      }
      if (Date.now() >= deadline) {
        const holder = await readLockHolder(file);
        throw Object.assign(
          new Error(`${lockPath(file)} is held by ${describeHolder(holder)}; waited ${waitMs} ms`),
          { code: 'ELOCKED', holder },
        );
      }
      await sleep(RETRY_INTERVAL_MS * (1 + Math.random()));
    }
  }
}
