import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@codesearch/fs';
import {
  digestOfFingerprints,
  type FileFingerprint,
  fingerprintFile,
  fingerprintModelFiles,
  type Precision,
  requiredModelFiles,
} from '../transformers/model-files.js';

/** The manifest `pullModel` writes into each model directory. */
export const MANIFEST_FILE = 'codesearch-model.json';

export interface ModelManifest {
  name: string;
  source: string;
  pulledAt: string;
  /** The identity of the default precision's files (int8 when present), as the embedder computes it. */
  modelVersion: string;
  files: Record<string, FileFingerprint>;
}

/** What is wrong with one model file, compared with the manifest. */
export interface ModelFileProblem {
  file: string;
  /** `missing`: not there; `size`: another length; `sha256`: same length, other bytes. */
  problem: 'missing' | 'size' | 'sha256';
  /** The manifest's size (for `size`). */
  expectedSize?: number;
  /** The size on disk (for `size`). */
  actualSize?: number;
}

/** `ok`: every file matches; `incomplete`: files are missing and nothing else is wrong; `damaged`: a file differs. */
export type ModelState = 'ok' | 'incomplete' | 'damaged';

export interface ModelCheck {
  state: ModelState;
  problems: ModelFileProblem[];
}

export async function readManifest(directory: string): Promise<ModelManifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(path.join(directory, MANIFEST_FILE), 'utf8')) as ModelManifest;
    return typeof manifest?.name === 'string' && typeof manifest.files === 'object' ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** Fingerprints `files`, writes the manifest atomically and returns it. */
export async function writeManifest(
  directory: string,
  name: string,
  source: string,
  files: readonly string[],
): Promise<ModelManifest> {
  const fingerprints = await fingerprintModelFiles(directory, [...new Set(files)]);
  // A directory may hold both precisions; the identity is that of the files one embedder reads.
  const int8 = requiredModelFiles('int8');
  const identityFiles = int8.every((file) => fingerprints.has(file)) ? int8 : requiredModelFiles('fp32');
  const identity = new Map(
    identityFiles.filter((f) => fingerprints.has(f)).map((f) => [f, fingerprints.get(f)!]),
  );
  const manifest: ModelManifest = {
    name,
    source,
    pulledAt: new Date().toISOString(),
    modelVersion: digestOfFingerprints(identity),
    files: Object.fromEntries(fingerprints),
  };
  await writeFileAtomic(path.join(directory, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * The model identity (`modelVersion`) an embedder of `precision` reads from a directory with
 * this manifest, computed from the fingerprints it lists; undefined when it lacks that
 * precision's files. (`manifest.modelVersion` is that of int8 when both are present.)
 */
export function modelVersionOf(manifest: ModelManifest, precision: Precision): string | undefined {
  const files = requiredModelFiles(precision);
  if (!files.every((file) => manifest.files[file])) return undefined;
  return digestOfFingerprints(new Map(files.map((file) => [file, manifest.files[file]!])));
}

/**
 * Compares files already fingerprinted (`undefined`: missing) with the manifest. Only files
 * the manifest lists are judged; a file it lists that is not in `actual` is not judged either.
 */
export function compareWithManifest(
  manifest: ModelManifest,
  actual: ReadonlyMap<string, FileFingerprint | undefined>,
): ModelCheck {
  const problems: ModelFileProblem[] = [];
  for (const [file, found] of actual) {
    const expected = manifest.files[file];
    if (!expected) continue;
    if (!found) problems.push({ file, problem: 'missing' });
    else if (found.size !== expected.size)
      problems.push({ file, problem: 'size', expectedSize: expected.size, actualSize: found.size });
    else if (found.sha256 !== expected.sha256) problems.push({ file, problem: 'sha256' });
  }
  return { state: stateOf(problems), problems };
}

/**
 * Checks every file the manifest lists: its size always, its sha256 too unless
 * `checksums: false` (a size mismatch needs no hashing).
 */
export async function verifyModelFiles(
  directory: string,
  manifest: ModelManifest,
  options: { checksums?: boolean } = {},
): Promise<ModelCheck> {
  const actual = new Map<string, FileFingerprint | undefined>();
  for (const [file, expected] of Object.entries(manifest.files)) {
    const full = path.join(directory, file);
    const info = await stat(full).catch(() => undefined);
    if (!info?.isFile()) actual.set(file, undefined);
    else if (info.size !== expected.size || options.checksums === false)
      // Not hashed: a size mismatch is already a problem, and without checksums the size is all we judge.
      actual.set(file, { size: info.size, sha256: expected.sha256 });
    else actual.set(file, await fingerprintFile(full).catch(() => undefined));
  }
  return compareWithManifest(manifest, actual);
}

function stateOf(problems: readonly ModelFileProblem[]): ModelState {
  if (problems.length === 0) return 'ok';
  return problems.every((problem) => problem.problem === 'missing') ? 'incomplete' : 'damaged';
}

/** `onnx/model_quantized.onnx (1000 bytes, expected 22928619), config.json (missing)`. */
export function describeProblems(problems: readonly ModelFileProblem[]): string {
  return problems
    .map(({ file, problem, expectedSize, actualSize }) => {
      if (problem === 'missing') return `${file} (missing)`;
      if (problem === 'size') return `${file} (${actualSize} bytes, expected ${expectedSize})`;
      return `${file} (sha256 differs from the manifest)`;
    })
    .join(', ');
}
