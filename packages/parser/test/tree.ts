import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { type SkippedPath, type WalkOptions, walkSourceFiles } from '../src/index.js';

const created: string[] = [];

// Temporary trees are removed once the test file is done (some are shared by a describe block).
afterAll(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh directory under the OS temp dir, removed after the test file. */
export async function tempDir(prefix = 'codesearch-parser-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Writes `files` (POSIX relative path → content) under `root`. */
export async function writeTree(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, ...relative.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/** A temp dir holding `files`. */
export async function makeTree(files: Record<string, string | Uint8Array>): Promise<string> {
  const root = await tempDir();
  await writeTree(root, files);
  return root;
}

export interface Walked {
  files: string[];
  skipped: SkippedPath[];
}

export async function walk(root: string, options: WalkOptions = {}): Promise<Walked> {
  const walked: Walked = { files: [], skipped: [] };
  for await (const entry of walkSourceFiles(root, options)) {
    if (entry.type === 'file') walked.files.push(entry.file.relativePath);
    else walked.skipped.push(entry.skipped);
  }
  return walked;
}

/** The skipped entry for `relativePath`, or undefined. */
export function skippedAt(
  walked: { skipped: readonly SkippedPath[] },
  relativePath: string,
): SkippedPath | undefined {
  return walked.skipped.find((skipped) => skipped.relativePath === relativePath);
}
