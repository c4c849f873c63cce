import { createHashEmbedder } from '@codesearch/batch';
import type { Embedder } from '@codesearch/core';

/**
 * `CODESEARCH_EMBEDDER=hash` replaces the model with `HashEmbedder` (meaningless vectors in
 * microseconds): the scale benchmark and tests measure the pipeline around the model with it.
 * Undocumented for users on purpose; any other value is ignored.
 */
export function embedderOverride(): Embedder | undefined {
  return process.env.CODESEARCH_EMBEDDER === 'hash' ? createHashEmbedder() : undefined;
}
