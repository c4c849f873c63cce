import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { IndexedFile, IndexManifest, Language } from '@codesearch/core';
import { type DirectoryParseResult, type WalkOptions, walkSourceFiles } from '@codesearch/parser';

// What an index records about its tree (the manifest), and how the tree differs from it now:
// `status` reports the differences and `search` marks hits in files that changed.

/** The walk options as plain JSON (no undefined fields), to store with an index. */
export function walkOptionsJson(options: WalkOptions): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  if (options.languages?.length) json.languages = [...options.languages];
  if (options.include?.length) json.include = [...options.include];
  if (options.exclude?.length) json.exclude = [...options.exclude];
  if (options.gitignore === false) json.gitignore = false;
  if (options.defaultExcludes === false) json.defaultExcludes = false;
  if (options.maxFileSize !== undefined) json.maxFileSize = options.maxFileSize;
  if (options.followSymlinks) json.followSymlinks = true;
  return json;
}

/** Walk options back from stored JSON; fields of the wrong type are dropped (the walk's defaults apply). */
export function walkOptionsFromJson(json: Record<string, unknown> | undefined): WalkOptions {
  const options: WalkOptions = {};
  if (!json) return options;
  const strings = (value: unknown) =>
    Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;
  const languages = strings(json.languages);
  if (languages) options.languages = languages as Language[];
  const include = strings(json.include);
  if (include) options.include = include;
  const exclude = strings(json.exclude);
  if (exclude) options.exclude = exclude;
  if (json.gitignore === false) options.gitignore = false;
  if (json.defaultExcludes === false) options.defaultExcludes = false;
  if (typeof json.maxFileSize === 'number' && json.maxFileSize > 0) options.maxFileSize = json.maxFileSize;
  if (json.followSymlinks === true) options.followSymlinks = true;
  return options;
}

type ParseOutcome = Pick<DirectoryParseResult, 'root' | 'files' | 'skipped' | 'errors' | 'sourceFiles'>;

/**
 * The manifest of a parse: every file the walk handed to the parser, with the fingerprint of
 * the bytes it parsed. Files the parser refused or failed on are read here (they are few) so
 * that a later check knows whether they changed; a file gone since is left out.
 */
export async function manifestFromParse(parse: ParseOutcome, walk: WalkOptions): Promise<IndexManifest> {
  const parsed = new Map(parse.files.map((file) => [file.filePath, file]));
  const skipped = new Set(parse.skipped.map((entry) => entry.relativePath));
  const files: IndexedFile[] = [];
  await forEachLimited(parse.sourceFiles, async (relativePath) => {
    const file = parsed.get(relativePath);
    if (file?.fingerprint) {
      files.push({ path: relativePath, ...file.fingerprint, entities: file.entities, outcome: 'parsed' });
      return;
    }
    const fingerprint = await fingerprintOf(path.join(parse.root, relativePath));
    if (!fingerprint) return;
    files.push({
      path: relativePath,
      ...fingerprint,
      entities: file?.entities ?? 0,
      outcome: file ? 'parsed' : skipped.has(relativePath) ? 'skipped' : 'error',
    });
  });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root: parse.root, walk: walkOptionsJson(walk), files };
}

/** How a tree differs from its manifest. Paths are POSIX, relative to the root. */
export interface TreeChanges {
  /** Files the walk finds that the index never saw. */
  added: string[];
  /** Files whose content changed. */
  changed: string[];
  /** Files the index holds that are gone (and not renamed). */
  deleted: string[];
  /** Files that moved: same content at a new path (the old path is gone). */
  renamed: Array<{ from: string; to: string }>;
  /** Files whose times changed but whose content is the same (touched, checked out again). */
  touched: number;
  /** Files the same as when indexed. */
  unchanged: number;
}

export function hasChanges(changes: TreeChanges): boolean {
  return changes.added.length + changes.changed.length + changes.deleted.length + changes.renamed.length > 0;
}

/**
 * Walks `root` with the walk options stored in the manifest and compares every file with it:
 * equal size, mtime and ctime mean unchanged; otherwise the content is hashed, telling an edit
 * from a touch. A new file whose content is that of a deleted one is a rename. Only stats for
 * unchanged files, so a check of an up-to-date tree reads no file content.
 */
export async function compareTree(
  root: string,
  manifest: IndexManifest,
  options: { signal?: AbortSignal } = {},
): Promise<TreeChanges> {
  const known = new Map(manifest.files.map((file) => [file.path, file]));
  const seen = new Set<string>();
  const changes: TreeChanges = { added: [], changed: [], deleted: [], renamed: [], touched: 0, unchanged: 0 };
  const addedDigests = new Map<string, string>();
  const walked: string[] = [];
  for await (const entry of walkSourceFiles(root, walkOptionsFromJson(manifest.walk))) {
    options.signal?.throwIfAborted();
    if (entry.type === 'file') walked.push(entry.file.relativePath);
  }
  await forEachLimited(walked, async (relativePath) => {
    seen.add(relativePath);
    const absolute = path.join(root, relativePath);
    const before = known.get(relativePath);
    if (!before) {
      const digest = await digestOf(absolute);
      if (digest === undefined) return; // vanished since the walk
      changes.added.push(relativePath);
      addedDigests.set(relativePath, digest);
      return;
    }
    const state = await stateOf(absolute, before);
    if (state === 'deleted') seen.delete(relativePath);
    else if (state === 'changed') changes.changed.push(relativePath);
    else if (state === 'touched') changes.touched++;
    else changes.unchanged++;
  });
  const deleted = manifest.files.filter((file) => !seen.has(file.path));
  // Pair each deleted file with an added file of the same content.
  const addedByDigest = new Map<string, string[]>();
  for (const [relativePath, digest] of [...addedDigests].sort(([a], [b]) => (a < b ? -1 : 1))) {
    addedByDigest.set(digest, [...(addedByDigest.get(digest) ?? []), relativePath]);
  }
  const renamedTo = new Set<string>();
  for (const file of deleted) {
    const to = addedByDigest.get(file.sha256)?.shift();
    if (to === undefined) changes.deleted.push(file.path);
    else {
      changes.renamed.push({ from: file.path, to });
      renamedTo.add(to);
    }
  }
  changes.added = changes.added.filter((relativePath) => !renamedTo.has(relativePath));
  for (const list of [changes.added, changes.changed, changes.deleted]) list.sort();
  changes.renamed.sort((a, b) => (a.from < b.from ? -1 : 1));
  return changes;
}

export type FileState = 'unchanged' | 'touched' | 'changed' | 'deleted';

/**
 * The state of some indexed files now (for marking search hits): `deleted` when gone or no
 * longer a regular file, `changed` when the content differs. Paths the manifest does not know
 * are `changed`.
 */
export async function fileStates(
  root: string,
  manifest: IndexManifest,
  relativePaths: Iterable<string>,
): Promise<Map<string, FileState>> {
  const known = new Map(manifest.files.map((file) => [file.path, file]));
  const states = new Map<string, FileState>();
  await forEachLimited([...new Set(relativePaths)], async (relativePath) => {
    const before = known.get(relativePath);
    const absolute = path.join(root, relativePath);
    if (before) states.set(relativePath, await stateOf(absolute, before));
    else states.set(relativePath, (await digestOf(absolute)) === undefined ? 'deleted' : 'changed');
  });
  return states;
}

async function stateOf(absolute: string, before: IndexedFile): Promise<FileState> {
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isFile()) return 'deleted';
  if (info.size === before.size && info.mtimeMs === before.mtimeMs && info.ctimeMs === before.ctimeMs) {
    return 'unchanged';
  }
  if (info.size !== before.size) return 'changed';
  const digest = await digestOf(absolute);
  if (digest === undefined) return 'deleted';
  return digest === before.sha256 ? 'touched' : 'changed';
}

async function fingerprintOf(absolute: string) {
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const sha256 = await digestOf(absolute);
  if (sha256 === undefined) return undefined;
  return { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, sha256 };
}

/** Hex sha256 of a file, or `undefined` when it cannot be read (gone, unreadable). */
async function digestOf(absolute: string): Promise<string | undefined> {
  try {
    return createHash('sha256')
      .update(await readFile(absolute))
      .digest('hex');
  } catch {
    return undefined;
  }
}

/** Runs `task` over `items` with a bounded number in flight (stats and reads, not threads). */
async function forEachLimited<T>(items: readonly T[], task: (item: T) => Promise<void>, limit = 32) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
