import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';

export interface FileLockOptions {
  staleMs: number;
  waitMs: number;
  onCompromised: (error: Error) => void;
}

export const DEFAULT_LOCK_STALE_MS = 10_000;
export const DEFAULT_LOCK_WAIT_MS = 20_000;
const RETRY_INTERVAL_MS = 50;

/**
 * Runs `task` holding `<file>.lock`, a directory created atomically (mkdir) and refreshed
 * while held, so that a lock whose holder was killed goes stale and is taken over.
 */
export async function withFileLock<T>(
  file: string,
  options: FileLockOptions,
  task: () => Promise<T>,
): Promise<T> {
  const release = await acquire(file, options);
  try {
    return await task();
  } finally {
    // A compromised lock was already reported; releasing it then fails harmlessly.
    await release().catch(() => {});
  }
}

/**
 * Retries only while another process holds the lock: proper-lockfile's own `retries` would
 * also retry EACCES or EROFS for the whole wait.
 */
async function acquire(file: string, options: FileLockOptions): Promise<() => Promise<void>> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    try {
      return await lockfile.lock(file, {
        realpath: false, // the file may not exist yet
        lockfilePath: `${file}.lock`,
        stale: options.staleMs,
        onCompromised: options.onCompromised,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (Date.now() >= deadline) {
        throw Object.assign(
          new Error(`${file}.lock is held by another process (waited ${options.waitMs} ms)`),
          { code: 'ELOCKED' },
        );
      }
      await sleep(RETRY_INTERVAL_MS * (1 + Math.random()));
    }
  }
}
