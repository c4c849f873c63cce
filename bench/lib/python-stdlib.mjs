/**
 * The Python standard library as a benchmark corpus: the same file set the agreement test
 * (tests/python-ast-agreement.test.ts) compares: every .py/.pyi file under the interpreter's
 * stdlib directory, site-packages left out.
 */
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export const PYTHON_EXTENSIONS = ['.py', '.pyi'];
export const EXCLUDED_DIRECTORY = 'site-packages';

/** Options that make parseDirectory take exactly that file set. */
export const STDLIB_PARSE_OPTIONS = {
  languages: ['python'],
  skipGenerated: false,
  defaultExcludes: false,
  gitignore: false,
  maxFileSize: 256 * 1024 * 1024,
  exclude: [`${EXCLUDED_DIRECTORY}/`],
};

export function stdlibRoot(python) {
  const probe = spawnSync(python, ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], {
    encoding: 'utf8',
  });
  if (probe.status !== 0)
    throw new Error(`${python} could not report its stdlib: ${probe.stderr || probe.error}`);
  return probe.stdout.trim();
}

/** Root-relative POSIX paths of the corpus, sorted. */
export async function listStdlibFiles(root) {
  const found = [];
  async function visit(relative) {
    const entries = await readdir(path.join(root, relative), { withFileTypes: true });
    for (const entry of entries) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== EXCLUDED_DIRECTORY) await visit(child);
      } else if (PYTHON_EXTENSIONS.some((extension) => entry.name.endsWith(extension))) {
        found.push(child);
      }
    }
  }
  await visit('');
  return found.sort();
}

/** Reads every file once so that no measured run pays for a cold page cache. Returns total bytes. */
export async function warmPageCache(root, files) {
  let bytes = 0;
  for (const file of files) bytes += (await readFile(path.join(root, file))).length;
  return bytes;
}
