/**
 * The annotated evaluation's corpora: real projects at pinned versions from the package
 * registries (bench/eval/corpora/<id>.json), fetched once into a cache directory, checked
 * against their sha256 and extracted exactly as the annotators extracted them.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

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
export async function fetchCorpus(corpus, log = () => {}) {
  const directory = path.join(benchCacheDir(), 'eval', corpus.id);
  const done = path.join(directory, '.extracted');
  const root = path.join(directory, corpus.root ?? '.');
  if (existsSync(done) && (await readFile(done, 'utf8')).trim() === corpus.sha256) return root;
  log(`fetching ${corpus.id} ${corpus.version} from ${corpus.url}`);
  const response = await fetch(corpus.url);
  if (!response.ok) throw new Error(`${corpus.id}: ${corpus.url} answered ${response.status}`);
  const archive = Buffer.from(await response.arrayBuffer());
  const digest = createHash('sha256').update(archive).digest('hex');
  if (digest !== corpus.sha256)
    throw new Error(`${corpus.id}: the archive's sha256 is ${digest}, the corpus file pins ${corpus.sha256}`);
  await rm(directory, { recursive: true, force: true });
  await mkdir(directory, { recursive: true });
  const file = path.join(directory, `.archive.${corpus.format === 'zip' ? 'zip' : 'tar.gz'}`);
  await writeFile(file, archive);
  if (corpus.format === 'zip') execFileSync('unzip', ['-q', file, '-d', directory]);
  else execFileSync('tar', ['-xzf', file, '-C', directory]);
  await rm(file);
  await writeFile(done, corpus.sha256);
  if (!existsSync(root)) throw new Error(`${corpus.id}: root ${corpus.root} is not in the archive`);
  return root;
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
