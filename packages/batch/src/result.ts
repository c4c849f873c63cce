import {
  CodesearchError,
  type EmbeddingBatchSummary,
  type EmbeddingCache,
  type EmbeddingModelInfo,
  type LocationKey,
} from '@codesearch/core';
import { messageOf } from './prepare.js';
import type { BatchEmbeddingResult, BatchLogger, PreparedItem } from './types.js';

/** What became of one input item: a vector per window (as far as it got), and why it failed. */
export interface ItemOutcome {
  vectors: Array<ArrayLike<number> | undefined>;
  error?: string;
}

export interface Tally {
  cached: number;
  embedded: number;
  failed: number;
}

/**
 * A result's warnings: each distinct message once, in order of first appearance. `logged` is
 * shared by one generator's runs so that a problem that persists is logged once, not per run.
 */
export class Warnings {
  readonly list: string[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly logger: BatchLogger,
    private readonly logged: Set<string>,
  ) {}

  add(message: string): void {
    if (this.seen.has(message)) return;
    this.seen.add(message);
    this.list.push(message);
    if (!this.logged.has(message)) {
      this.logged.add(message);
      this.logger.warn(message);
    }
  }
}

/**
 * A cache problem as a warning. The cache's own errors already name the location and cause;
 * anything else (a third-party cache) is prefixed with both.
 */
export function cacheWarning(cache: EmbeddingCache, action: string, error: unknown, consequence: string) {
  const base = CodesearchError.isInstance(error)
    ? error.message
    : `[cache] ${cache.location}: ${action} failed: ${messageOf(error)}`;
  return `${base}${consequence ? `; ${consequence}` : ''}`;
}

/** A vector usable for this model, or undefined: the right length and finite throughout. */
export function usableVector(vector: unknown, dimensions: number): ArrayLike<number> | undefined {
  if (vector === null || typeof vector !== 'object') return undefined;
  const values = vector as ArrayLike<number>;
  if (values.length !== dimensions) return undefined;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return undefined;
  return values;
}

export function summarize(total: number, tally: Tally): EmbeddingBatchSummary {
  return {
    total,
    success: tally.cached + tally.embedded,
    failed: tally.failed,
    cached: tally.cached,
    newlyEmbedded: tally.embedded,
  };
}

/** Assembles the result in input order: every item has a key in `embeddings`, failures also in `errors`. */
export function buildResult(input: {
  keys: LocationKey[];
  prepared: Array<PreparedItem | null>;
  outcomes: ItemOutcome[];
  tally: Tally;
  info: EmbeddingModelInfo;
  textPrepVersion: string;
  cacheLocation: string | undefined;
  cacheSaved: boolean | undefined;
  startedAt: number;
  warnings: string[];
}): BatchEmbeddingResult {
  const embeddings: Record<LocationKey, number[] | null> = {};
  const windowEmbeddings: Record<LocationKey, Array<number[] | null>> = {};
  const errors: Record<LocationKey, string> = {};
  input.keys.forEach((key, index) => {
    const { vectors, error } = input.outcomes[index]!;
    // Copies per item: items sharing a text must not share a mutable array.
    const first = vectors[0];
    embeddings[key] = error === undefined && first ? Array.from(first) : null;
    if (error !== undefined) errors[key] = error;
    // Also for a failed item: the windows that were embedded are not lost.
    if (vectors.length >= 2)
      windowEmbeddings[key] = vectors.map((vector) => (vector ? Array.from(vector) : null));
  });
  return {
    summary: summarize(input.keys.length, input.tally),
    embeddings,
    windowEmbeddings,
    errors,
    metadata: {
      modelName: input.info.modelName,
      modelVersion: input.info.modelVersion,
      dimensions: input.info.dimensions,
      processedAt: new Date().toISOString(),
      textPrepVersion: input.textPrepVersion,
      ...(input.cacheLocation !== undefined ? { cacheLocation: input.cacheLocation } : {}),
      durationMs: Math.round(performance.now() - input.startedAt),
    },
    warnings: input.warnings,
    keys: input.keys,
    prepared: input.prepared,
    ...(input.cacheSaved !== undefined ? { cacheSaved: input.cacheSaved } : {}),
  };
}
