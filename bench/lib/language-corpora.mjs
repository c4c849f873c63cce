/**
 * Real code per language for the `parse-languages` section, read into memory: every pinned
 * real-code source of the parser's smoke tests (packages/parser/test/real-code/*.json), and for
 * the first seven languages the corpora the other sections already use (the Python stdlib of the
 * `parse` section, the annotated evaluation's projects by their `language`). Each source gives
 * the files the indexer would parse (its walk's default excludes and size limit, decodable,
 * not generated or minified) of the source's own language, at most `SOURCE_CAP_BYTES` of them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fetchRealCode, realCodeSources } from '../../packages/parser/test/real-code.mjs';
import { fetchCorpus, loadEvaluation } from './eval-corpus.mjs';
import { EXCLUDED_DIRECTORY, STDLIB_PARSE_OPTIONS, stdlibRoot } from './python-stdlib.mjs';

/** Source bytes taken from one source at most: keeps a pass over all languages to seconds. */
export const SOURCE_CAP_BYTES = 2_000_000;

/**
 * Every source of real code, without fetching: `{ id, origin, language, fetch(log) → root,
 * walkOptions, skipGenerated }`. The Python stdlib is walked as the `parse` section walks it.
 */
export async function languageSources(python) {
  const sources = realCodeSources().map((source) => ({
    id: source.id,
    origin: `real-code ${source.registry} ${source.package} ${source.version}`,
    language: source.language,
    fetch: () => fetchRealCode(source),
    walkOptions: {},
    skipGenerated: true,
  }));
  sources.push({
    id: 'python-stdlib',
    origin: `python stdlib (${python})`,
    language: 'python',
    fetch: async () => stdlibRoot(python),
    walkOptions: {
      defaultExcludes: STDLIB_PARSE_OPTIONS.defaultExcludes,
      gitignore: STDLIB_PARSE_OPTIONS.gitignore,
      maxFileSize: STDLIB_PARSE_OPTIONS.maxFileSize,
      exclude: [`${EXCLUDED_DIRECTORY}/`],
    },
    skipGenerated: STDLIB_PARSE_OPTIONS.skipGenerated,
  });
  for (const { corpus } of await loadEvaluation()) {
    sources.push({
      id: `eval-${corpus.id}`,
      origin: `search-eval ${corpus.id} ${corpus.version}`,
      language: corpus.language,
      fetch: (log) => fetchCorpus(corpus, log),
      walkOptions: { exclude: corpus.exclude ?? [] },
      skipGenerated: true,
    });
  }
  return sources;
}

/**
 * The files of an ordered list to keep under `cap` bytes: all when they fit, else every k-th
 * (k = ⌈total / cap⌉, so the sample spreads over the whole tree rather than its first
 * directories), then the last ones dropped while still over the cap.
 */
export function spreadUnderCap(files, cap) {
  const total = files.reduce((sum, file) => sum + file.bytes, 0);
  if (total <= cap) return files;
  const step = Math.ceil(total / cap);
  const chosen = files.filter((_, index) => index % step === 0);
  let bytes = chosen.reduce((sum, file) => sum + file.bytes, 0);
  while (chosen.length > 1 && bytes > cap) bytes -= chosen.pop().bytes;
  return chosen;
}

async function importDist(repoRoot, file) {
  return import(pathToFileURL(path.join(repoRoot, 'packages/parser/dist', file)).href);
}

/**
 * Fetches every source and reads its files: `[{ id, origin, language, root, candidates,
 * candidateBytes, skipped, files: [{ path, bytes, text }] }]`, files sorted by path; a source
 * that could not be fetched has `error` and no files.
 */
export async function loadLanguageCorpora({ repoRoot, python, log }) {
  const { walkSourceFiles } = await importDist(repoRoot, 'index.js');
  const { decodeSource } = await importDist(repoRoot, 'decode.js');
  const { contentSkipReason } = await importDist(repoRoot, 'file-policy.js');
  const loaded = [];
  for (const source of await languageSources(python)) {
    let root;
    try {
      root = await source.fetch(log);
    } catch (error) {
      // A source that cannot be fetched (offline, a pin being changed) leaves its language short, not the section dead.
      log(`parse-languages: ${source.id} left out: ${error.message}`);
      loaded.push({
        id: source.id,
        origin: source.origin,
        language: source.language,
        error: error.message,
        files: [],
      });
      continue;
    }
    const candidates = [];
    let skipped = 0;
    for await (const entry of walkSourceFiles(root, {
      ...source.walkOptions,
      languages: [source.language],
    })) {
      if (entry.type !== 'file') {
        skipped++;
        continue;
      }
      const raw = await readFile(entry.file.absolutePath);
      const decoded = decodeSource(raw, source.language);
      if (!decoded.ok || contentSkipReason(decoded.text, { skipGenerated: source.skipGenerated })) {
        skipped++;
        continue;
      }
      candidates.push({ path: entry.file.relativePath, bytes: raw.length, text: decoded.text });
    }
    candidates.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const files = spreadUnderCap(candidates, SOURCE_CAP_BYTES);
    loaded.push({
      id: source.id,
      origin: source.origin,
      language: source.language,
      root,
      candidates: candidates.length,
      candidateBytes: candidates.reduce((sum, file) => sum + file.bytes, 0),
      skipped,
      files,
    });
  }
  return loaded;
}
