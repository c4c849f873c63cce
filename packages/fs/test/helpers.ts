import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { childDist as sharedChildDist } from '../../../test-support/child-dist.js';

const created: string[] = [];
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'codesearch-fs-'));
  chmodSync(dir, 0o755);
  created.push(dir);
  return dir;
}

/** `src/` as plain JS for child processes (see test-support/child-dist.ts). */
export function childDist(): string {
  return sharedChildDist(fileURLToPath(new URL('..', import.meta.url)));
}
