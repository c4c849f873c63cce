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

/**
 * `int8`: `onnx/model_quantized.onnx`, integer matrix multiplication (int8 weights, activations
 * quantized per batch); `fp32`: `onnx/model.onnx`. The two give vectors ~0.995 cosine apart, so
 * they are different models to the cache and the index.
 */
export type Precision = 'int8' | 'fp32';
export const PRECISIONS: readonly Precision[] = ['int8', 'fp32'];

/** The files a transformers.js feature-extraction model needs, relative to its directory. */
export function requiredModelFiles(precision: Precision | boolean = 'int8'): string[] {
  const int8 = precision === true || precision === 'int8';
  return [
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    int8 ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx',
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

/**
 * The command that fetches `name` into `modelsDir`: `codesearch model pull <name> [--force]`,
 * with `--models-dir` when it is not the default one.
 */
export function pullCommand(name: string, modelsDir: string, options: { force?: boolean } = {}): string {
  const words = ['codesearch', 'model', 'pull', name];
  if (options.force) words.push('--force');
  if (path.resolve(modelsDir) !== path.resolve(defaultModelsDir())) words.push('--models-dir', modelsDir);
  return words.map(shellQuote).join(' ');
}

/** Quotes a word for a POSIX shell when it needs it, so a printed command can be pasted. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
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
  return (await fingerprintFile(file)).sha256;
}

/** What a model file is recorded as in a manifest, and checked against. */
export interface FileFingerprint {
  sha256: string;
  size: number;
}

/** sha256 and size of a file in one read. */
export async function fingerprintFile(file: string): Promise<FileFingerprint> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Fingerprints of `files` (relative to `directory`), each file read once. */
export async function fingerprintModelFiles(
  directory: string,
  files: readonly string[],
): Promise<Map<string, FileFingerprint>> {
  const fingerprints = new Map<string, FileFingerprint>();
  for (const file of files) fingerprints.set(file, await fingerprintFile(path.join(directory, file)));
  return fingerprints;
}

/**
 * The model identity: a digest over the files' sha256s. Any change to weights, tokenizer or
 * config changes it, so a cache written with other files is never served; the same files
 * under another name or path give the same identity.
 */
export function digestOfFingerprints(fingerprints: ReadonlyMap<string, FileFingerprint>): string {
  const combined = createHash('sha256');
  for (const file of [...fingerprints.keys()].sort())
    combined.update(`${file}\0${fingerprints.get(file)!.sha256}\n`);
  return `sha256:${combined.digest('hex').slice(0, 16)}`;
}

/** `digestOfFingerprints` of the files as they are on disk. */
export async function modelDigest(directory: string, files: readonly string[]): Promise<string> {
  return digestOfFingerprints(await fingerprintModelFiles(directory, files));
}

export interface ModelConfig {
  dimensions: number;
  maxTokens: number;
}

async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Dimensions and input limit, read from config.json and tokenizer_config.json. */
export async function readModelConfig(directory: string): Promise<ModelConfig> {
  const config = await readJsonObject(path.join(directory, 'config.json'));
  const tokenizerConfig = await readJsonObject(path.join(directory, 'tokenizer_config.json'));
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
