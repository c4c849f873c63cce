import { execFileSync } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';

/** The Python standard library of this machine's python3: a real, varied code base. */
export function stdlibDir(): string {
  return execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], {
    encoding: 'utf8',
  }).trim();
}

/** Modules with ~270 functions, methods and classes together: enough for a real run, quick to embed. */
export const SMALL_STDLIB_SUBSET = [
  'textwrap.py',
  'shlex.py',
  'fnmatch.py',
  'glob.py',
  'calendar.py',
  'json',
  'colorsys.py',
  'heapq.py',
  'bisect.py',
  'string.py',
  'statistics.py',
] as const;

/** Copies the named modules (files or packages) of the standard library into `destination`. */
export async function copyStdlibModules(destination: string, names: readonly string[]): Promise<void> {
  const stdlib = stdlibDir();
  for (const name of names) {
    await cp(path.join(stdlib, name), path.join(destination, name), {
      recursive: true,
      filter: (source) => !source.includes('__pycache__'),
    });
  }
}
