import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

export const DEFAULT_MODEL = 'Xenova/all-MiniLM-L6-v2';

/** Where models live: `$CODESEARCH_MODELS_DIR`, else `~/.codesearch/models`. */
export function defaultModelsDir(): string {
  return process.env.CODESEARCH_MODELS_DIR || path.join(homedir(), '.codesearch', 'models');
}

/** The files a transformers.js feature-extraction model needs, relative to its directory. */
export function requiredModelFiles(quantized: boolean): string[] {
  return [
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    quantized ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx',
  ];
}

export interface ModelLocation {
  /** Hub name, or the directory's name for a model given by path. */
  name: string;
  directory: string;
  /** True when the user named a directory rather than a hub model. */
  isLocalPath: boolean;
}

/** A hub name (`org/model`) maps into the models directory; anything path-like is used as is. */
export function locateModel(model: string, modelsDir: string): ModelLocation {
  const looksLikePath = path.isAbsolute(model) || model.startsWith('.') || model.startsWith('~');
  if (looksLikePath) {
    const directory = path.resolve(model.startsWith('~') ? path.join(homedir(), model.slice(1)) : model);
    return { name: path.basename(directory), directory, isLocalPath: true };
  }
  return { name: model, directory: path.join(modelsDir, ...model.split('/')), isLocalPath: false };
}

export async function missingFiles(directory: string, files: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const file of files) {
    try {
      await access(path.join(directory, file));
    } catch {
      missing.push(file);
    }
  }
  return missing;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A digest of the model files: any change to weights, tokenizer or config changes it, so a
 * cache written with other files is never served.
 */
export async function modelDigest(directory: string, files: readonly string[]): Promise<string> {
  const combined = createHash('sha256');
  for (const file of [...files].sort())
    combined.update(`${file}\0${await sha256File(path.join(directory, file))}\n`);
  return `sha256:${combined.digest('hex').slice(0, 16)}`;
}

export interface ModelConfig {
  dimensions: number;
  maxTokens: number;
}

/** Dimensions and input limit, read from config.json and tokenizer_config.json. */
export async function readModelConfig(directory: string): Promise<ModelConfig> {
  const config = JSON.parse(await readFile(path.join(directory, 'config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const tokenizerConfig = JSON.parse(
    await readFile(path.join(directory, 'tokenizer_config.json'), 'utf8'),
  ) as Record<string, unknown>;
  const dimensions = Number(config.hidden_size ?? config.d_model ?? config.dim);
  if (!Number.isInteger(dimensions) || dimensions <= 0) {
    throw new Error(`config.json in ${directory} has no hidden_size`);
  }
  const positions = Number(config.max_position_embeddings ?? 512);
  const declared = Number(tokenizerConfig.model_max_length);
  // Tokenizer configs often say 1e30 for "no limit"; the position table is the real bound.
  const maxTokens = Number.isFinite(declared) && declared > 0 ? Math.min(declared, positions) : positions;
  return { dimensions, maxTokens };
}
