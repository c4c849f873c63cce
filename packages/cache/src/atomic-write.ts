import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Temp files are `<name>.tmp-<pid>-<random>` next to the target, so a rename never crosses filesystems. */
export function tempPrefix(file: string): string {
  return `${path.basename(file)}.tmp-`;
}

/**
 * Replaces `file` with `data` so that readers (and a crash at any point) see either the old
 * or the new content: write a temp file in the same directory, fsync it, rename it over the
 * target, fsync the directory so the rename itself survives a power loss.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `${tempPrefix(file)}${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
  await fsyncDirectory(dir);
}

/** Best effort: some platforms (Windows) and filesystems cannot fsync a directory. */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Nothing more can be done; the data itself was synced before the rename.
  } finally {
    await handle?.close().catch(() => {});
  }
}

/**
 * Removes temp files a killed writer left behind. Call only while holding the file's lock:
 * then no live writer of this file has a temp file open.
 */
export async function removeOrphanTemps(file: string): Promise<number> {
  const prefix = tempPrefix(file);
  const dir = path.dirname(file);
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    await rm(path.join(dir, name), { force: true }).catch(() => {});
    removed++;
  }
  return removed;
}
