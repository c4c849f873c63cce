import { spawnSync } from 'node:child_process';
import { chmod, chown, cp, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

/** `nobody`: root reads chmod 000 files anyway, so permission tests run their child as this user. */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

/** Whether permission tests need another user: true when running as root. */
export function needsUnprivilegedUser(): boolean {
  return process.getuid?.() === 0;
}

/** Whether `user` can read `file` (checked by a child process running as that user). */
export function canRead(file: string, user: { uid: number; gid: number }): boolean {
  const check = spawnSync(
    process.execPath,
    ['-e', 'require("node:fs").accessSync(process.argv[1], require("node:fs").constants.R_OK)', file],
    { uid: user.uid, gid: user.gid, stdio: 'ignore' },
  );
  return check.status === 0;
}

/** Creates `dir` (and parents) owned by `user`, so a child running as that user can write in it. */
export async function makeOwnedDir(
  dir: string,
  user: { uid: number; gid: number } | undefined,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  if (user) await chown(dir, user.uid, user.gid);
  return dir;
}

/**
 * A models directory `user` can read: `modelsDir` itself when it can, else a world-readable copy
 * under `scratch` (root's `~/.codesearch` usually sits in a 0700 home).
 */
export async function readableModelsDir(
  modelsDir: string,
  scratch: string,
  user: { uid: number; gid: number } | undefined,
  probe = path.join('Xenova', 'all-MiniLM-L6-v2', 'config.json'),
): Promise<string> {
  if (!user || canRead(path.join(modelsDir, probe), user)) return modelsDir;
  const copy = path.join(scratch, 'models');
  await cp(modelsDir, copy, { recursive: true });
  await chmodTree(copy);
  if (!canRead(path.join(copy, probe), user))
    throw new Error(`${copy}: still not readable as uid ${user.uid}`);
  return copy;
}

/** Makes a tree world-readable (directories also searchable). */
async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chmodTree(full);
    else if (entry.isFile()) await chmod(full, 0o644);
  }
}
