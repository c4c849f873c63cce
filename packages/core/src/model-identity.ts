import type { EmbeddingModelInfo } from './embedder.js';

type ModelIdentity = Pick<EmbeddingModelInfo, 'modelVersion' | 'dimensions'>;

/**
 * Whether two models give comparable vectors. Identity is the content digest of the model
 * files (`modelVersion`) and the dimensions; `modelName` is a label: the same files named by
 * hub name or by their directory are the same model, for caches and indexes alike.
 */
export function sameModel(a: ModelIdentity, b: ModelIdentity): boolean {
  return a.modelVersion === b.modelVersion && a.dimensions === b.dimensions;
}
