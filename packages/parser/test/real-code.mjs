/**
 * Real code from the package registries, for the smoke tests of each language: an archive at a
 * pinned version (test/real-code/<id>.json: url, sha256, format, root), fetched once into a cache
 * directory, checked against its sha256 and extracted. The bench's parse-languages section reads
 * the same files, so the tests and the throughput figures see the same code.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCES_DIR = fileURLToPath(new URL('./real-code', import.meta.url));

/** `$CODESEARCH_BENCH_CACHE/real-code` (default ~/.cache/codesearch-bench/real-code): shared with the bench. */
export function realCodeCacheDir() {
  const base = process.env.CODESEARCH_BENCH_CACHE ?? path.join(os.homedir(), '.cache', 'codesearch-bench');
  return path.join(base, 'real-code');
}

/** Every pinned source (test/real-code/*.json), sorted by id. */
/** @returns {import('./real-code.d.mts').RealCodeSource[]} */
export function realCodeSources() {
  return readdirSync(SOURCES_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({
      id: name.slice(0, -'.json'.length),
      ...JSON.parse(readFileSync(path.join(SOURCES_DIR, name), 'utf8')),
    }));
}

export function realCodeSource(id) {
  const source = realCodeSources().find((candidate) => candidate.id === id);
  if (!source) throw new Error(`no real-code source '${id}' in ${SOURCES_DIR}`);
  return source;
}

/** Downloads and extracts a source once; returns the absolute path of its code root. */
export async function fetchRealCode(idOrSource) {
  const source = typeof idOrSource === 'string' ? realCodeSource(idOrSource) : idOrSource;
  return fetchArchive(source, path.join(realCodeCacheDir(), source.id));
}

/**
 * Downloads a pinned archive (`{ id, url, sha256, format, root }`) into `directory` once: checks
 * the sha256, extracts it (zip, any tar, or a .deb) and marks the directory done with the digest,
 * so a later call only checks the mark. Returns the absolute path of `root` inside it. `log` hears
 * about a download (not about a cache hit). Shared with the bench's eval corpora.
 */
export async function fetchArchive(source, directory, log = () => {}) {
  const done = path.join(directory, '.extracted');
  const root = path.join(directory, source.root ?? '.');
  if (existsSync(done) && (await readFile(done, 'utf8')).trim() === source.sha256) return root;

  log(`fetching ${source.id}${source.version ? ` ${source.version}` : ''} from ${source.url}`);
  const response = await fetch(source.url);
  if (!response.ok) throw new Error(`${source.id}: ${source.url} answered ${response.status}`);
  const archive = Buffer.from(await response.arrayBuffer());
  const digest = createHash('sha256').update(archive).digest('hex');
  if (digest !== source.sha256)
    throw new Error(
      `${source.id}: the archive's sha256 is ${digest}, ${source.id}.json pins ${source.sha256}`,
    );

  await rm(directory, { recursive: true, force: true });
  await mkdir(directory, { recursive: true });
  const file = path.join(directory, '.archive');
  await writeFile(file, archive);
  if (source.format === 'zip') execFileSync('unzip', ['-q', '-o', file, '-d', directory]);
  else if (source.format === 'deb') execFileSync('dpkg-deb', ['-x', file, directory]);
  else execFileSync('tar', ['-xf', file, '-C', directory]);
  await rm(file);
  await writeFile(done, source.sha256);
  if (!existsSync(root)) throw new Error(`${source.id}: root '${source.root}' is not in the archive`);
  return root;
}
