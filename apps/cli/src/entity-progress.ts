import { SingleBar } from 'cli-progress';
import type { Terminal } from './terminal.js';

/** Counts that grow toward a total of entities. */
export interface EntityCounts {
  total: number;
  done: number;
  cached: number;
  embedded: number;
  failed: number;
}

/** Entities done/total with rate and ETA: a bar on a terminal, a line every few seconds otherwise. */
export interface EntityProgress {
  update(counts: EntityCounts): void;
  stop(): void;
}

export interface EntityProgressOptions {
  /** Seconds between plain lines when stderr is not a terminal (default 5). */
  lineIntervalSeconds?: number;
  now?: () => number;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`
    : `${(minutes / 60).toFixed(1)}h`;
}

export function entityProgress(terminal: Terminal, options: EntityProgressOptions = {}): EntityProgress {
  const now = options.now ?? Date.now;
  const started = now();
  // The rate counts embedded entities only: cache hits arrive in one burst and would make the ETA lie.
  const rateOf = (counts: EntityCounts): number => counts.embedded / Math.max((now() - started) / 1000, 1e-3);
  const etaOf = (counts: EntityCounts): number => {
    const rate = rateOf(counts);
    return rate > 0 ? (counts.total - counts.done) / rate : Number.POSITIVE_INFINITY;
  };

  if (terminal.isTTY) {
    let bar: SingleBar | undefined;
    return {
      update(counts) {
        const payload = {
          rate: rateOf(counts).toFixed(1),
          remaining: formatSeconds(etaOf(counts)),
          cached: counts.cached,
          failed: counts.failed,
        };
        if (!bar) {
          bar = new SingleBar({
            format:
              'embedding [{bar}] {value}/{total} entities | {rate}/s | ETA {remaining} | cached {cached} | failed {failed}',
            stream: process.stderr,
            hideCursor: true,
          });
          bar.start(Math.max(counts.total, 1), counts.done, payload);
        }
        bar.setTotal(Math.max(counts.total, 1));
        bar.update(counts.done, payload);
      },
      stop() {
        bar?.stop();
        bar = undefined;
      },
    };
  }

  const intervalMs = (options.lineIntervalSeconds ?? 5) * 1000;
  let lastLine = Number.NEGATIVE_INFINITY;
  let finalPrinted = false;
  return {
    update(counts) {
      const finished = counts.done >= counts.total;
      // The last chunk and the end of the batch both report 100%: print that once.
      if (finished ? finalPrinted : now() - lastLine < intervalMs) return;
      finalPrinted = finished;
      lastLine = now();
      const percent = counts.total === 0 ? 100 : Math.floor((counts.done / counts.total) * 100);
      terminal.error(
        `embedding: ${counts.done}/${counts.total} entities (${percent}%), ${rateOf(counts).toFixed(1)}/s, ` +
          `ETA ${finished ? '0s' : formatSeconds(etaOf(counts))}, cached ${counts.cached}, failed ${counts.failed}`,
      );
    },
    stop() {},
  };
}
