import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** Files larger than this are not read whole for `read` (a line range of a huge file is rare). */
export const MAX_READ_BYTES = 8 * 1024 * 1024;

/** A file of the tree: its absolute path and its POSIX path relative to the root. */
export interface TreeFile {
  absolute: string;
  relative: string;
}

/**
 * The file `requested` names inside `root` (relative to the root, or absolute inside it).
 * Rejects, naming the path and the cause, anything that leaves the tree: `..` that climbs out,
 * an absolute path elsewhere, or a symbolic link (of the file or a directory on the way) whose
 * target is outside; and what is not a regular file.
 */
export async function resolveTreeFile(root: string, requested: string): Promise<TreeFile> {
  if (requested.trim() === '' || requested.includes('\0'))
    throw new Error(`path ${JSON.stringify(requested)} is not a file path`);
  const absoluteRoot = path.resolve(root);
  const absolute = path.resolve(absoluteRoot, requested);
  if (!isInside(absoluteRoot, absolute)) {
    throw new Error(`path ${requested} is outside the indexed tree ${absoluteRoot}`);
  }
  const [realRoot, realFile] = await Promise.all([
    realpath(absoluteRoot),
    realpath(absolute).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`path ${requested}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    }),
  ]);
  if (!isInside(realRoot, realFile)) {
    throw new Error(`path ${requested} is a link to ${realFile}, outside the indexed tree ${absoluteRoot}`);
  }
  const info = await stat(realFile);
  if (!info.isFile())
    throw new Error(`path ${requested} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}`);
  return { absolute, relative: path.relative(absoluteRoot, absolute).split(path.sep).join('/') };
}

/** The lines of a text file; rejects binary and oversized files, naming them. */
export async function readTextLines(file: TreeFile): Promise<string[]> {
  const handle = await open(file.absolute, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_READ_BYTES) {
      throw new Error(
        `${file.relative} is ${Math.round(size / 1024 / 1024)} MB, more than read takes (8 MB)`,
      );
    }
    const bytes = await handle.readFile();
    if (bytes.subarray(0, 8192).includes(0)) throw new Error(`${file.relative} is a binary file`);
    const lines = bytes.toString('utf8').split(/\r?\n/);
    // A final newline ends the last line; it does not start another.
    if (lines.length > 1 && lines.at(-1) === '') lines.pop();
    return lines;
  } finally {
    await handle.close();
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  // `..foo` is a name inside the root; only a first segment `..` climbs out.
  return relative !== '' && relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative);
}
