import { access } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MODEL, defaultModelsDir } from '../src/index.js';

/**
 * The real default model, provisioned by the README's set-up (`codesearch model pull`).
 * Tests that need embeddings use it and fail loudly when it is missing.
 */
export async function requireDefaultModel(): Promise<string> {
  const modelsDir = defaultModelsDir();
  const onnx = path.join(modelsDir, ...DEFAULT_MODEL.split('/'), 'onnx', 'model_quantized.onnx');
  try {
    await access(onnx);
  } catch {
    throw new Error(
      `the default model is not at ${onnx}; run \`npm run setup\` (or \`pnpm --silent codesearch model pull\`) first`,
    );
  }
  return modelsDir;
}
