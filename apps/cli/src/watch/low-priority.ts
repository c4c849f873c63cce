import { readdirSync } from 'node:fs';
import os from 'node:os';

/** The niceness `watch` runs at: below the user's editor, build and tests. */
export const WATCH_NICENESS = 10;

/**
 * Lowers the scheduling priority of this process to niceness `wanted` (a process started even
 * nicer keeps its niceness), best effort; returns whether it worked. On Linux a niceness
 * belongs to each thread and new threads inherit their creator's: the process call covers the
 * main thread (and so the model's and the watcher's threads, started later from it), and each
 * thread already running (V8's, libuv's) is lowered by its id.
 */
export function lowerPriority(wanted = WATCH_NICENESS): boolean {
  let niceness: number;
  try {
    // Never raised: a process already started nicer than this stays as nice.
    niceness = Math.max(os.getPriority(0), wanted);
    os.setPriority(0, niceness);
  } catch {
    return false;
  }
  if (process.platform === 'linux') {
    try {
      for (const thread of readdirSync('/proc/self/task')) {
        try {
          os.setPriority(Number(thread), niceness);
        } catch {
          // A thread that ended meanwhile.
        }
      }
    } catch {
      // No procfs: the main thread and its future threads are lowered all the same.
    }
  }
  return true;
}
