/** Progress of one refresh, as `service.refresh({ onProgress })` reports it. */
export type ProgressCallback = (message: string, progress?: { done: number; total: number }) => void;

export interface RefreshProgressOptions {
  /** Nothing is shown for a refresh shorter than this (the refresh line says it all). Default 2 s. */
  quietMs?: number;
  /** At most one count line per this (default 5 s); the last count is always shown. */
  everyMs?: number;
}

/**
 * Progress lines for a long refresh only (a first build, a branch switch): a refresh that ends
 * within `quietMs` shows none, a longer one shows its latest step then, and its counts now and
 * then. `onProgress` is given to the refresh; `end()` is called when it returns.
 */
export function refreshProgress(
  write: (line: string) => void,
  options: RefreshProgressOptions = {},
): { onProgress: ProgressCallback; end(): void } {
  const everyMs = options.everyMs ?? 5_000;
  let showing = false;
  let pending: string | undefined;
  let countShownAt = 0;
  let countShown = -1;
  const timer = setTimeout(() => {
    showing = true;
    if (pending !== undefined) write(pending);
    pending = undefined;
  }, options.quietMs ?? 2_000);
  return {
    onProgress: (message, progress) => {
      if (!showing) {
        pending = message;
        return;
      }
      if (progress) {
        const now = Date.now();
        const last = progress.done === progress.total;
        if (progress.done === countShown || (!last && now - countShownAt < everyMs)) return;
        countShownAt = now;
        countShown = progress.done;
      }
      write(message);
    },
    end: () => clearTimeout(timer),
  };
}
