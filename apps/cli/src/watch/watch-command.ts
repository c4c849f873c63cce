import path from 'node:path';
import { CodesearchError } from '@codesearch/core';
import watcher from '@parcel/watcher';
import type { GovernorOptions } from '../governor.js';
import { treeRootProblem } from '../index-location.js';
import { SearchService } from '../search-service.js';
import type { Terminal } from '../terminal.js';
import { lowerPriority } from './low-priority.js';
import {
  changedFileCount,
  notRefreshedJson,
  notRefreshedLine,
  refreshedJson,
  refreshedLine,
} from './refresh-line.js';
import { refreshProgress } from './refresh-progress.js';
import { type RefreshOutcome, RefreshScheduler } from './refresh-scheduler.js';
import { stopSignals } from './stop-signals.js';
import { IndexedPaths, isRelevantEvent, watcherIgnores } from './watch-filter.js';

/** `watch` takes `--threads` and `--precision`; it always runs at low priority. */
export interface WatchCommandOptions extends Omit<GovernorOptions, 'lowPriority'> {
  index?: string;
  model?: string;
  modelsDir?: string;
  /** `--cache <location>` for large refreshes; `false` from `--no-cache` (commander's default is `true`). */
  cache?: string | boolean;
  json?: boolean;
}

/** How long a refresh waits for another process writing the index before trying again later. */
const LOCK_WAIT_MS = 5_000;

/** What a watch did, for the summary when it stops. */
interface WatchTotals {
  refreshes: number;
  files: number;
  failures: number;
}

/**
 * `codesearch watch [path]`: keeps the index of a tree fresh while running. A tree without an
 * index is indexed whole first (default walk). Then every burst of file events becomes one
 * `service.refresh()` (debounced, never two at once), printed as one line; a refresh that fails
 * or finds the index locked is reported and tried again later, and watching goes on.
 */
export async function runWatch(
  target: string,
  options: WatchCommandOptions,
  terminal: Terminal,
): Promise<number> {
  const signals = stopSignals(terminal);
  try {
    return await watch(target, options, terminal, signals.stopped);
  } finally {
    signals.dispose();
  }
}

async function watch(
  target: string,
  options: WatchCommandOptions,
  terminal: Terminal,
  stopped: Promise<NodeJS.Signals>,
): Promise<number> {
  const root = path.resolve(target);
  // The index may live elsewhere (`--index`), but the watched tree must be a directory.
  const rootProblem = await treeRootProblem(target, 'watch');
  if (rootProblem) {
    terminal.error(`codesearch: ${rootProblem}`);
    return 2;
  }
  // Before any thread starts: the model's and the watcher's threads inherit the niceness.
  lowerPriority();

  let service: SearchService;
  try {
    service = await SearchService.open({
      root: target,
      ...(options.index ? { index: options.index } : {}),
      ...(options.model ? { model: options.model } : {}),
      ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.precision ? { precision: options.precision } : {}),
      ...(options.cache === false ? { cache: false as const } : {}),
      ...(typeof options.cache === 'string' ? { cache: options.cache } : {}),
      lockWaitMs: LOCK_WAIT_MS,
      rootFlag: 'watch',
      create: true,
    });
  } catch (error) {
    if (!CodesearchError.isInstance(error)) throw error;
    terminal.error(`codesearch: ${(error as Error).message}`);
    return 2;
  }

  const totals: WatchTotals = { refreshes: 0, files: 0, failures: 0 };
  const startedAt = Date.now();
  let subscription: watcher.AsyncSubscription | undefined;
  let scheduler: RefreshScheduler | undefined;
  try {
    if (service.gitignore?.state === 'failed')
      terminal.error(`codesearch: warning: ${service.gitignore.reason}`);

    const manifest = await service.index.manifest().catch(() => undefined);
    let indexed = indexedPathsOf(manifest?.files);
    const print = printer(options, terminal);

    const refresh = async (signal: AbortSignal): Promise<RefreshOutcome> => {
      const at = new Date();
      try {
        const progress = refreshProgress((line) => terminal.error(line));
        const report = await service
          // In the background: the index upkeep a partial sync skips (ANN retraining) is done here.
          .refresh({ signal, onProgress: progress.onProgress, maintainIndex: true })
          .finally(() => progress.end());
        if (report.state === 'fresh') return 'done';
        if (report.state === 'stale') {
          totals.failures++;
          const retryMs = scheduler!.nextRetryMs;
          print(notRefreshedLine(at, report.reason ?? 'unknown reason', retryMs), () =>
            notRefreshedJson(at, { state: 'stale', report }, retryMs),
          );
          return 'retry';
        }
        const refreshed = report.refreshed!;
        // The files the event filter lets through: those indexed now.
        indexed = indexedPathsOf((await service.index.manifest().catch(() => undefined))?.files);
        totals.refreshes++;
        totals.files += refreshed.whole ? refreshed.indexed.length : changedFileCount(refreshed.changes);
        print(refreshedLine(at, refreshed), () => refreshedJson(at, refreshed));
        if (!options.json) for (const problem of refreshed.errors) terminal.error(`  ${problem}`);
        return 'done';
      } catch (error) {
        if (signal.aborted) return 'done';
        totals.failures++;
        const message = error instanceof Error ? error.message : String(error);
        const retryMs = scheduler!.nextRetryMs;
        print(notRefreshedLine(at, `refresh failed: ${message}`, retryMs), () =>
          notRefreshedJson(at, { state: 'failed', error: message }, retryMs),
        );
        return 'retry';
      }
    };
    scheduler = new RefreshScheduler({ refresh });
    const activeScheduler = scheduler;

    const defaultExcludes = manifest?.walk.defaultExcludes !== false;
    try {
      subscription = await watcher.subscribe(
        root,
        (error, events) => {
          if (error) {
            // Events may have been lost (an overflowing queue): a refresh compares everything anyway.
            terminal.error(`codesearch: watcher: ${error.message}`);
            activeScheduler.notify();
            return;
          }
          void relevant(root, events, indexed).then((any) => {
            if (any) activeScheduler.notify();
          });
        },
        { ignore: watcherIgnores(root, service.directory, defaultExcludes) },
      );
    } catch (error) {
      terminal.error(`codesearch: cannot watch ${root}: ${watchFailure(error)}`);
      return 2;
    }

    print(`watching ${root} (index ${service.directory}); Ctrl-C to stop`, () => ({
      type: 'watching',
      root,
      index: service.directory,
      files: indexed.size,
    }));
    // Catch up with what changed while nobody watched (or build the index of a new tree).
    scheduler.runNow();
    await stopped;
    return 0;
  } finally {
    await subscription?.unsubscribe().catch(() => {});
    await scheduler?.stop();
    await service.close();
    if (subscription) {
      const seconds = Math.round((Date.now() - startedAt) / 1000);
      printer(options, terminal)(
        `stopped watching ${root}: ${totals.refreshes} refreshes, ${totals.files} files indexed, ` +
          `${totals.failures} not re-indexed (watched ${seconds} s)`,
        () => ({ type: 'stopped', ...totals, seconds }),
      );
    }
  }
}

/** One line on stdout: the human text, or the JSON object with `--json`. */
function printer(options: WatchCommandOptions, terminal: Terminal) {
  return (line: string, json: () => object): void => {
    terminal.out(options.json ? JSON.stringify(json()) : line);
  };
}

function indexedPathsOf(files: ReadonlyArray<{ path: string }> | undefined): IndexedPaths {
  return new IndexedPaths((files ?? []).map((file) => file.path));
}

async function relevant(root: string, events: watcher.Event[], indexed: IndexedPaths): Promise<boolean> {
  for (const event of events) {
    if (await isRelevantEvent(root, event, indexed)) return true;
  }
  return false;
}

/** Why subscribing failed, with what to do about the usual cause (too few inotify watches). */
function watchFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/ENOSPC|No space left|Too many open files|EMFILE/i.test(message)) {
    return `${message} (the system's limit of file watches is reached: raise fs.inotify.max_user_watches, e.g. \`sudo sysctl fs.inotify.max_user_watches=524288\`)`;
  }
  return message;
}
