/** Counts of a run so far (`BatchProgress`, with what a streamed run knows of its total). */
export interface EtaCounts {
  /** Units known so far (all of them once `totalFinal`). */
  total: number;
  done: number;
  cached: number;
  embedded: number;
  failed: number;
  /** Whether `total` is the run's total; absent means it is (a run that parsed everything first). */
  totalFinal?: boolean;
  /** Files parsed of the files the walk found (`total` unknown until that walk is done). */
  files?: { done: number; total?: number };
}

export interface EtaEstimate {
  /** Units embedded per second, smoothed (0 before any was embedded). */
  rate: number;
  /** The run's total: `total` when final, else extrapolated from the files parsed; undefined when unknown. */
  total: number | undefined;
  /** Whether `total` is an estimate. */
  estimated: boolean;
  /** Seconds to go; undefined when unknown (no rate yet, or no total). */
  seconds: number | undefined;
}

/**
 * Seconds over which the rate forgets: long enough to ride over one slow batch, short enough
 * to follow a change (the model warming up, the cache running out of hits).
 */
export const RATE_TIME_CONSTANT_SECONDS = 20;

/**
 * The ETA of an embedding run, from the embedding rate (units the model embedded per second
 * of wall time, exponentially smoothed), never the parse rate. What is left is the units not
 * done times the share of done units that needed the model: cache hits cost nothing. While a
 * streamed run is still parsing, the total is extrapolated from the units per file parsed so
 * far and the files the walk found.
 */
export class EmbeddingEta {
  readonly #now: () => number;
  readonly #started: number;
  #last: { at: number; embedded: number } | undefined;
  #rate: number | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#started = now();
  }

  update(counts: EtaCounts): EtaEstimate {
    const at = this.#now();
    const last = this.#last ?? { at: this.#started, embedded: 0 };
    const seconds = (at - last.at) / 1000;
    if (seconds > 0) {
      const instant = (counts.embedded - last.embedded) / seconds;
      // A time-weighted moving average: a sample counts for the time it covers.
      const weight = 1 - Math.exp(-seconds / RATE_TIME_CONSTANT_SECONDS);
      this.#rate = this.#rate === undefined ? instant : this.#rate + weight * (instant - this.#rate);
      this.#last = { at, embedded: counts.embedded };
    }
    const rate = this.#rate ?? 0;
    const total = estimatedTotal(counts);
    const estimated = counts.totalFinal === false;
    if (total === undefined) return { rate, total, estimated, seconds: undefined };
    const remaining = Math.max(total - counts.done, 0);
    if (remaining === 0) return { rate, total, estimated, seconds: 0 };
    const served = counts.embedded + counts.cached;
    const missShare = served > 0 ? counts.embedded / served : 1;
    if (missShare === 0) return { rate, total, estimated, seconds: 0 };
    return { rate, total, estimated, seconds: rate > 0 ? (remaining * missShare) / rate : undefined };
  }
}

/** The run's total, or an extrapolation from units per file parsed; undefined when unknown. */
export function estimatedTotal(counts: EtaCounts): number | undefined {
  if (counts.totalFinal !== false) return counts.total;
  const files = counts.files;
  if (!files?.total || files.done === 0) return undefined;
  return Math.max(counts.total, Math.round((counts.total / files.done) * files.total));
}
