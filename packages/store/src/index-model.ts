import type { EmbeddingModelInfo } from '@codesearch/core';
import { readMarker } from './marker.js';

/**
 * The model whose vectors the index in `directory` holds, read from its marker without opening
 * it; `undefined` when there is no index or its marker is unreadable. Lets a caller pick the
 * matching embedder (e.g. the precision the index was built with) before `openCodeIndex`.
 */
export async function readIndexModel(directory: string): Promise<EmbeddingModelInfo | undefined> {
  const read = await readMarker(directory);
  if (!read?.marker) return undefined;
  const { modelName, modelVersion, dimensions } = read.marker;
  return { modelName, modelVersion, dimensions };
}
