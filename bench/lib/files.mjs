/** File helpers for sections that build scratch trees and stores: temp directories and sizes on disk. */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Total bytes of the regular files under `directory` (apparent size, not blocks). */
export async function directoryBytes(directory) {
  let bytes = 0;
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += (await stat(path.join(entry.parentPath ?? entry.path, entry.name))).size;
  }
  return bytes;
}

/** A fresh directory under the OS temp dir, and a function that removes it. */
export async function scratchDirectory(prefix) {
  const directory = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { directory, remove: () => rm(directory, { recursive: true, force: true }) };
}
