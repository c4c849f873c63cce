import { randomBytes } from 'node:crypto';
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { removeOrphanTemps, tempPrefix } from '@codesearch/fs';

/**
 * The files of an index directory:
 *
 * ```
 * <dir>/codesearch-index.json        the marker: this directory is ours; names the generation
 * <dir>/codesearch-index.json.lock   the write lock (while a sync runs), and its .lock-holder
 * <dir>/gen-<ms>-<hex>/code.lance    the LanceDB table of the current generation
 * <dir>/gen-<ms>-<hex>/manifest.json what the generation was built from
 * <dir>/gen-<ms>-<hex>/ann.json      when its approximate vector index was trained (if it has one)
 * ```
 */
export const MARKER_FILE = 'codesearch-index.json';
/** The one table of a generation (and, before the marker, of the index directory itself). */
export const TABLE_NAME = 'code';
export const TABLE_DIR = `${TABLE_NAME}.lance`;
export const MANIFEST_FILE = 'manifest.json';
export const ANN_FILE = 'ann.json';

const GENERATION_NAME = /^gen-\d{13,}-[0-9a-f]{8}$/;
const PROBE_NAME = /^\.codesearch-probe-\d+$/;

/** A new generation's name: creation time (sorts by age) and randomness (two writers never collide). */
export function newGenerationName(): string {
  return `gen-${Date.now()}-${randomBytes(4).toString('hex')}`;
}

export function isGenerationName(name: string): boolean {
  return GENERATION_NAME.test(name);
}

export function probeName(): string {
  return `.codesearch-probe-${process.pid}`;
}

/** What a directory holds, as far as owning it as an index goes. */
export type DirectoryState =
  /** Does not exist. */
  | { kind: 'missing' }
  /** Has the marker: an index (whatever state its generation is in). */
  | { kind: 'marked' }
  /** Empty, or only what codesearch itself left (a killed first build, locks, probes). */
  | { kind: 'empty' }
  /** The layout before the marker: `code.lance` alone (besides our leftovers). */
  | { kind: 'legacy' }
  /** Someone else's files: never written to, never deleted from. */
  | { kind: 'foreign'; entries: string[] };

/**
 * Classifies `directory`. Errors other than "does not exist" (EACCES, ENOTDIR, …) are thrown
 * as they are, for the caller to wrap.
 */
export async function inspectDirectory(directory: string): Promise<DirectoryState> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
  if (names.includes(MARKER_FILE)) return { kind: 'marked' };
  const others: string[] = [];
  for (const name of names.sort()) {
    if (!(await isOurLeftover(directory, name))) others.push(name);
  }
  if (others.length === 0) return { kind: 'empty' };
  if (others.length === 1 && others[0] === TABLE_DIR) {
    const info = await lstat(join(directory, TABLE_DIR)).catch(() => undefined);
    if (info?.isDirectory()) return { kind: 'legacy' };
  }
  return { kind: 'foreign', entries: others };
}

/** Entries only codesearch writes: the marker's temp and lock files, probes, our generations. */
async function isOurLeftover(directory: string, name: string): Promise<boolean> {
  if (
    name.startsWith(tempPrefix(MARKER_FILE)) ||
    name === `${MARKER_FILE}.lock` ||
    name === `${MARKER_FILE}.lock-holder` ||
    PROBE_NAME.test(name)
  ) {
    return true;
  }
  return isGenerationName(name) && (await holdsOnlyGenerationFiles(join(directory, name)));
}

/**
 * A generation directory holds the table, the manifest, the ANN training record and their temp
 * files, nothing else: a directory that merely has a generation-like name but other content is
 * not ours.
 */
async function holdsOnlyGenerationFiles(path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isDirectory()) return false;
  const names = await readdir(path).catch(() => undefined);
  return (
    names?.every(
      (name) =>
        name === TABLE_DIR ||
        name === MANIFEST_FILE ||
        name === ANN_FILE ||
        name.startsWith(tempPrefix(MANIFEST_FILE)) ||
        name.startsWith(tempPrefix(ANN_FILE)),
    ) ?? false
  );
}

/**
 * Removes what earlier writers left in an index directory: generations other than `keep`
 * (replaced ones, and those of killed builds), the marker's temp files, stale probes, and —
 * once a marker names a generation — the pre-marker `code.lance`. Call only while holding the
 * write lock: then no other writer is building a generation. Best effort: what cannot be
 * removed now is left for the next writer.
 */
export async function removeLeftovers(
  directory: string,
  keep: string | undefined,
  options: { legacyTable: boolean },
): Promise<void> {
  await removeOrphanTemps(join(directory, MARKER_FILE)).catch(() => 0);
  const names = await readdir(directory).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(directory, name);
    const remove =
      (name !== keep && isGenerationName(name) && (await holdsOnlyGenerationFiles(path))) ||
      (options.legacyTable && name === TABLE_DIR) ||
      (PROBE_NAME.test(name) && name !== probeName());
    if (remove) await rm(path, { recursive: true, force: true }).catch(() => {});
  }
  if (keep) {
    await removeOrphanTemps(join(directory, keep, MANIFEST_FILE)).catch(() => 0);
    await removeOrphanTemps(join(directory, keep, ANN_FILE)).catch(() => 0);
  }
}
