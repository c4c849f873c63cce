import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_MODEL, defaultModelsDir } from '@codesearch/embedder';
import { afterAll } from 'vitest';

/**
 * The real default model, provisioned by the repository set-up (`codesearch model pull`).
 * Integration tests fail loudly when it is missing rather than skip.
 */
export async function requireModelsDir(): Promise<string> {
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

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temporary directory, removed after the test file. */
export async function tempDir(prefix = 'codesearch-batch-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  made.push(dir);
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

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

export function norm(a: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * a[i]!;
  return Math.sqrt(sum);
}
