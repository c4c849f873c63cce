import { SingleBar } from 'cli-progress';
import { EmbeddingEta, type EtaCounts } from './eta.js';
import type { Terminal } from './terminal.js';

/** Counts that grow toward a total of entities (estimated while a streamed run still parses). */
export type EntityCounts = EtaCounts;

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

function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`
    : `${(minutes / 60).toFixed(1)}h`;
}

export function entityProgress(terminal: Terminal, options: EntityProgressOptions = {}): EntityProgress {
  const now = options.now ?? Date.now;
  // The rate counts embedded entities only: cache hits arrive in one burst and would make the ETA lie.
  const eta = new EmbeddingEta(now);
  /** `1457`, `~1457` while estimated, `?` while unknown. */
  const totalLabel = (total: number | undefined, estimated: boolean) =>
    total === undefined ? '?' : `${estimated ? '~' : ''}${total}`;

  if (terminal.isTTY) {
    let bar: SingleBar | undefined;
    return {
      update(counts) {
        const estimate = eta.update(counts);
        const payload = {
          rate: estimate.rate.toFixed(1),
          remaining: formatSeconds(estimate.seconds),
          totalLabel: totalLabel(estimate.total, estimate.estimated),
          cached: counts.cached,
          failed: counts.failed,
        };
        // Unknown total: the bar stays full-width at the count so far.
        const barTotal = Math.max(estimate.total ?? counts.done, counts.done, 1);
        if (!bar) {
          bar = new SingleBar({
            format:
              'embedding [{bar}] {value}/{totalLabel} entities | {rate}/s | ETA {remaining} | cached {cached} | failed {failed}',
            stream: process.stderr,
            hideCursor: true,
          });
          bar.start(barTotal, counts.done, payload);
        }
        bar.setTotal(barTotal);
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
      const estimate = eta.update(counts);
      const finished = counts.totalFinal !== false && counts.done >= counts.total;
      // The last chunk and the end of the batch both report 100%: print that once.
      if (finished ? finalPrinted : now() - lastLine < intervalMs) return;
      finalPrinted = finished;
      lastLine = now();
      const total = estimate.total;
      const percent =
        total === undefined ? undefined : total === 0 ? 100 : Math.floor((counts.done / total) * 100);
      terminal.error(
        `embedding: ${counts.done}/${totalLabel(total, estimate.estimated)} entities${percent === undefined ? '' : ` (${percent}%)`}, ${estimate.rate.toFixed(1)}/s, ` +
          `ETA ${finished ? '0s' : formatSeconds(estimate.seconds)}, cached ${counts.cached}, failed ${counts.failed}`,
      );
    },
    stop() {},
  };
}
