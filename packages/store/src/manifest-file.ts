import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IndexedFile, IndexManifest } from '@codesearch/core';
import { writeFileAtomic } from '@codesearch/fs';
import { MANIFEST_FILE } from './layout.js';

/**
 * The manifest of a generation as stored: what the caller gave to `sync`, the table version it
 * describes and when it was written. `consistent` is false when the table has moved on since
 * (a sync without a manifest, or one interrupted between the table commit and the manifest):
 * then the manifest describes an older state and the index should be treated as stale.
 */
export type StoredManifest = IndexManifest & { tableVersion: number; writtenAt: string; consistent: boolean };

const MANIFEST_FORMAT = 'codesearch-manifest/1';
const OUTCOMES: ReadonlySet<string> = new Set(['parsed', 'skipped', 'error']);

/** What is wrong with a manifest (a sentence), or `undefined` when its shape is right. */
export function manifestProblem(value: unknown): string | undefined {
  const m = value as Partial<IndexManifest> | null;
  if (typeof m !== 'object' || m === null) return 'is not an object';
  if (typeof m.root !== 'string') return 'has no root';
  if (typeof m.walk !== 'object' || m.walk === null || Array.isArray(m.walk)) return 'has no walk object';
  if (!Array.isArray(m.files)) return 'has no files array';
  for (const [i, file] of m.files.entries()) {
    const problem = fileProblem(file);
    if (problem) return `files[${i}]${typeof file?.path === 'string' ? ` (${file.path})` : ''} ${problem}`;
  }
  return undefined;
}

function fileProblem(file: Partial<IndexedFile> | null | undefined): string | undefined {
  if (typeof file !== 'object' || file === null) return 'is not an object';
  if (typeof file.path !== 'string') return 'has no path';
  for (const field of ['size', 'mtimeMs', 'ctimeMs', 'entities'] as const) {
    if (typeof file[field] !== 'number' || !Number.isFinite(file[field])) return `has no numeric ${field}`;
  }
  if (typeof file.sha256 !== 'string') return 'has no sha256';
  if (typeof file.outcome !== 'string' || !OUTCOMES.has(file.outcome)) return 'has no valid outcome';
  return undefined;
}

/** The manifest of the generation in `generationDir`; `undefined` when missing or malformed. */
export async function readManifest(
  generationDir: string,
): Promise<Omit<StoredManifest, 'consistent'> | undefined> {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(await readFile(join(generationDir, MANIFEST_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    value.format !== MANIFEST_FORMAT ||
    !Number.isInteger(value.tableVersion) ||
    typeof value.writtenAt !== 'string' ||
    manifestProblem(value) !== undefined
  ) {
    return undefined;
  }
  const manifest = value as unknown as IndexManifest & { tableVersion: number; writtenAt: string };
  return {
    root: manifest.root,
    walk: manifest.walk,
    files: manifest.files,
    tableVersion: manifest.tableVersion,
    writtenAt: manifest.writtenAt,
  };
}

/** Writes the manifest of a generation atomically, with the table version it describes. */
export function writeManifest(
  generationDir: string,
  manifest: IndexManifest,
  tableVersion: number,
): Promise<void> {
  const stored = {
    format: MANIFEST_FORMAT,
    tableVersion,
    writtenAt: new Date().toISOString(),
    root: manifest.root,
    walk: manifest.walk,
    files: manifest.files,
  };
  return writeFileAtomic(join(generationDir, MANIFEST_FILE), `${JSON.stringify(stored)}\n`);
}
