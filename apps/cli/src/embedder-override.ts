import { createHashEmbedder } from '@codesearch/batch';
import type { Embedder, EmbedOptions, EmbedOutcome } from '@codesearch/core';

// Hooks for the scale benchmark and tests, undocumented for users on purpose.

/**
 * `CODESEARCH_EMBEDDER=hash` replaces the model with `HashEmbedder` (meaningless vectors in
 * microseconds), so a run measures the pipeline around the model; `hash:<ms>` also waits that
 * long per call (a slow model, for interrupting a run midway). Any other value is ignored.
 */
export function embedderOverride(): Embedder | undefined {
  const match = /^hash(?::(\d+))?$/.exec(process.env.CODESEARCH_EMBEDDER ?? '');
  if (!match) return undefined;
  const hash = createHashEmbedder();
  const delayMs = Number(match[1] ?? 0);
  if (delayMs === 0) return hash;
  return {
    specificationVersion: 'v1',
    describe: () => hash.describe(),
    async embed(texts: readonly string[], options?: EmbedOptions): Promise<EmbedOutcome[]> {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      options?.signal?.throwIfAborted();
      return hash.embed(texts);
    },
  };
}

/** `CODESEARCH_CHUNK_UNITS=<n>`: units per chunk of a streamed run (default `DEFAULT_CHUNK_UNITS`). */
export function chunkUnitsOverride(): number | undefined {
  const value = Number(process.env.CODESEARCH_CHUNK_UNITS);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
