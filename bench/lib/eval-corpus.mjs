/**
 * The annotated evaluation's corpora: real projects at pinned versions from the package
 * registries (bench/eval/corpora/<id>.json), fetched once into a cache directory, checked
 * against their sha256 and extracted exactly as the annotators extracted them.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
// The download, sha256 check and extraction are the parser's real-code smoke tests' helper.
import { fetchArchive } from '../../packages/parser/test/real-code.mjs';

export const EVAL_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'eval');

/** Where archives are extracted: `$CODESEARCH_BENCH_CACHE/eval/<id>` (default ~/.cache/codesearch-bench). */
export function benchCacheDir() {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: a bench-only override, never read by turbo tasks
  return process.env.CODESEARCH_BENCH_CACHE ?? path.join(os.homedir(), '.cache', 'codesearch-bench');
}

async function readJsonFiles(directory) {
  if (!existsSync(directory)) return [];
  const names = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    names.map(async (name) => JSON.parse(await readFile(path.join(directory, name), 'utf8'))),
  );
}

/** Every corpus with its questions: `[{ corpus, questions }]`, corpora without questions left out. */
export async function loadEvaluation() {
  const corpora = await readJsonFiles(path.join(EVAL_DIR, 'corpora'));
  const questionFiles = await readJsonFiles(path.join(EVAL_DIR, 'questions'));
  const byCorpus = new Map(questionFiles.map((file) => [file.corpus, file.questions]));
  return corpora
    .filter((corpus) => byCorpus.has(corpus.id))
    .map((corpus) => ({ corpus, questions: byCorpus.get(corpus.id) }));
}

/** Downloads and extracts a corpus once; returns the absolute path of its indexed root. */
export function fetchCorpus(corpus, log = () => {}) {
  return fetchArchive(corpus, path.join(benchCacheDir(), 'eval', corpus.id), log);
}

/** The units of a corpus's indexed tree by file, for telling which targets exist in the index. */
export async function unitsByFile(parser, root, corpus) {
  const parsed = await parser.parseDirectory(root, { exclude: corpus.exclude ?? [] });
  const byFile = new Map();
  for (const entity of parsed.entities) {
    const list = byFile.get(entity.filePath) ?? [];
    list.push({ filePath: entity.filePath, lineNumber: entity.lineNumber, endLine: entity.endLine });
    byFile.set(entity.filePath, list);
  }
  return byFile;
}
