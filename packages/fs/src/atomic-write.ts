import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { lstat, open, readdir, readlink, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { FileOperationError } from './errors.js';

/** Temp files are `<name>.tmp-<pid>-<random>` next to the target, so a rename never crosses filesystems. */
export function tempPrefix(file: string): string {
  return `${path.basename(file)}.tmp-`;
}

/** Where `writeFileSafely` sends bytes. Chunks are buffered and written in large pieces. */
export interface AtomicWriteSink {
  write(chunk: string | Uint8Array): Promise<void>;
}

/** How the target is written: replaced by a rename, or written where it is. */
type Plan = { kind: 'replace'; file: string } | { kind: 'in-place'; file: string };

const DESCRIPTOR_ALIAS = /^\/(?:dev\/(stdin|stdout|stderr|fd\/(\d+))|proc\/(self|\d+)\/fd\/(\d+))$/;
const NAMED_DESCRIPTORS: Record<string, number> = { stdin: 0, stdout: 1, stderr: 2 };

/**
 * The open descriptor an absolute path is an alias of (`/dev/stdout`, `/dev/fd/1`,
 * `/proc/self/fd/1`), or `undefined`; `ownProcess` is false for another process's
 * `/proc/<pid>/fd/N`. Renaming over such a path would replace a device node or a shell's
 * redirect target that a process holds open, so they are only ever written in place.
 */
export function descriptorAlias(file: string): { fd: number; ownProcess: boolean } | undefined {
  const match = DESCRIPTOR_ALIAS.exec(file);
  if (!match) return undefined;
  const [, devName, devFd, procOwner, procFd] = match;
  const fd = devFd ?? procFd;
  return {
    fd: fd !== undefined ? Number(fd) : NAMED_DESCRIPTORS[devName!]!,
    ownProcess: procOwner === undefined || procOwner === 'self' || Number(procOwner) === process.pid,
  };
}

/** Bytes gathered before one `write` system call. */
const BUFFER_BYTES = 1 << 20;

/**
 * Writes `file` with what `produce` sends to the sink, safely for whatever `file` is:
 * - a new path or a regular file: a temp file in the same directory, fsynced, renamed over the
 *   target, then the directory fsynced — readers (and a crash at any point) see the old content
 *   or the new, never a part;
 * - a symbolic link: the same at the link's target, so the link stays a link;
 * - a character device, FIFO or socket, or a descriptor alias such as `/dev/stdout`: written in
 *   place (appending, so a shell's `>>` is honoured) — special files are never replaced;
 * - a directory: refused (EISDIR).
 * Failures reject with a `FileOperationError` naming the file and the cause (ENOSPC, EACCES, …);
 * a failed replacement leaves the old file and no temp file.
 */
export async function writeFileSafely(
  file: string,
  produce: (sink: AtomicWriteSink) => Promise<void>,
): Promise<void> {
  const plan = await planWrite(path.resolve(file));
  if (plan.kind === 'in-place') {
    const handle = await open(plan.file, 'a').catch((error) => {
      throw failure('open', plan.file, error);
    });
    try {
      await writeThrough(handle, produce, plan.file);
    } finally {
      await handle.close().catch(() => {});
    }
    return;
  }
  const dir = path.dirname(plan.file);
  const temp = path.join(dir, `${tempPrefix(plan.file)}${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, 'wx', 0o644).catch((error) => {
    throw failure('create a temporary file for', plan.file, error);
  });
  try {
    try {
      await writeThrough(handle, produce, plan.file);
      await handle.sync().catch((error) => {
        throw failure('sync', plan.file, error);
      });
    } finally {
      await handle.close();
    }
    await rename(temp, plan.file).catch((error) => {
      throw failure('replace', plan.file, error);
    });
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
  await fsyncDirectory(dir);
}

/** `writeFileSafely` with the whole content at once. */
export function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  return writeFileSafely(file, (sink) => sink.write(data));
}

async function planWrite(file: string): Promise<Plan> {
  if (descriptorAlias(file)) return { kind: 'in-place', file };
  let target = file;
  const link = await lstat(file).catch(() => undefined);
  if (link?.isSymbolicLink()) {
    // A dangling link is written at the path it names.
    target = await realpath(file).catch(async () => path.resolve(path.dirname(file), await readlink(file)));
  }
  const info = target === file ? link : await stat(target).catch(() => undefined);
  if (info === undefined || info.isFile()) return { kind: 'replace', file: target };
  if (info.isDirectory()) {
    throw new FileOperationError(`cannot write ${file}: it is a directory`, { code: 'EISDIR', path: file });
  }
  return { kind: 'in-place', file: target }; // character or block device, FIFO, socket
}

async function writeThrough(
  handle: FileHandle,
  produce: (sink: AtomicWriteSink) => Promise<void>,
  file: string,
): Promise<void> {
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  const drain = async () => {
    if (pendingBytes === 0) return;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending.length = 0;
    pendingBytes = 0;
    await handle.write(data).catch((error) => {
      throw failure('write', file, error);
    });
  };
  await produce({
    write: async (chunk) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= BUFFER_BYTES) await drain();
    },
  });
  await drain();
}

function failure(action: string, file: string, error: unknown): FileOperationError {
  if (error instanceof FileOperationError) return error;
  const cause = error as NodeJS.ErrnoException;
  return new FileOperationError(`cannot ${action} ${file}: ${cause.message}`, {
    code: cause.code ?? 'EIO',
    path: file,
    cause,
  });
}

/** Best effort: some platforms (Windows) and filesystems cannot fsync a directory. */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
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
