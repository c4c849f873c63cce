/**
 * The twelve annotated eval projects side by side in one tree (`<tree>/<corpus id>/…`, each
 * corpus's excluded directories left out of the copy): ~11k units in 7 languages, the tree the
 * agent-facing sections (freshness, mcp, watch) measure on. One embedding cache serves them all
 * (the units' paths, part of the embedded text, are the same in every copy), so only the first
 * of them on a machine embeds anything (~30 min on 2 cores).
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchCacheDir, fetchCorpus, loadEvaluation } from './eval-corpus.mjs';

/** `~/.cache/codesearch-bench/combined`: the shared tree and embedding cache live here. */
export function combinedDir() {
  return path.join(benchCacheDir(), 'combined');
}

/** The embedding cache every section indexing a copy of the combined tree uses. */
export async function combinedCache() {
  const cache = path.join(combinedDir(), 'cache.json');
  await mkdir(path.dirname(cache), { recursive: true });
  return cache;
}

/**
 * Copies the corpora into `tree` (default: the shared copy, made once and reused while its
 * stamp matches; a section that edits many files passes its own directory and gets a new copy).
 */
export async function combinedTree(log, tree = path.join(combinedDir(), 'tree')) {
  const evaluation = await loadEvaluation();
  const stamp = path.join(tree, '.complete');
  const ids = evaluation.map(({ corpus }) => `${corpus.id}@${corpus.version}`).join('\n');
  const shared = tree === path.join(combinedDir(), 'tree');
  if (shared && existsSync(stamp) && (await readFile(stamp, 'utf8')) === ids) return tree;
  await rm(tree, { recursive: true, force: true });
  for (const { corpus } of evaluation) {
    const source = await fetchCorpus(corpus, log);
    await cp(source, path.join(tree, corpus.id), { recursive: true });
    for (const pattern of corpus.exclude ?? []) {
      // Every exclude of the eval corpora is `<dir>/**`: the directory is left out of the copy.
      await rm(path.join(tree, corpus.id, pattern.replace(/\/\*\*$/, '')), { recursive: true, force: true });
    }
  }
  await writeFile(stamp, ids);
  return tree;
}
