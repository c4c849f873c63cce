import { lstat, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FileOperationError } from './errors.js';

/**
 * Creates `directory` and its missing parents, one level at a time, and resolves to its
 * absolute path. Fails fast with a `FileOperationError` that names the directory, what it was
 * for and the cause.
 *
 * Why not `mkdir(dir, { recursive: true })`: on procfs Node's recursive mkdir never returns
 * (`mkdir('/proc/nope')` says ENOENT, `mkdir('/proc')` says EEXIST, and it retries forever at
 * full CPU). Here the nearest existing ancestor is found with `stat`, and each missing level is
 * created once; any error other than "someone else just created it" stops the walk.
 */
export async function ensureDirectory(directory: string, purpose?: string): Promise<string> {
  const target = path.resolve(directory);
  const missing: string[] = [];
  let current = target;
  for (;;) {
    const info = await stat(current).catch((error: NodeJS.ErrnoException) => error);
    if (!(info instanceof Error)) {
      if (!info.isDirectory()) throw failure(target, purpose, notADirectory(current));
      break;
    }
    // ENOTDIR: a file stands somewhere above; walking up finds and names it.
    if (info.code !== 'ENOENT' && info.code !== 'ENOTDIR') throw failure(target, purpose, info);
    const parent = path.dirname(current);
    if (parent === current) throw failure(target, purpose, info); // no root: nothing to build on
    missing.push(current);
    current = parent;
  }
  for (const level of missing.reverse()) {
    try {
      await mkdir(level);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Created by another process meanwhile: fine if it is a directory (not followed through a link).
      if (code === 'EEXIST' && (await lstat(level).catch(() => undefined))?.isDirectory()) continue;
      throw failure(target, purpose, error as NodeJS.ErrnoException);
    }
  }
  return target;
}

function notADirectory(where: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTDIR: ${where} exists and is not a directory`), { code: 'ENOTDIR' });
}

function failure(target: string, purpose: string | undefined, cause: NodeJS.ErrnoException) {
  return new FileOperationError(
    `cannot create directory ${target}${purpose ? ` (${purpose})` : ''}: ${cause.message}`,
    { code: cause.code ?? 'EIO', path: target, cause },
  );
}
