/**
 * The file path in search: removing the `path:` line from the embedded text, whether the
 * docstring queries touch the path at all, and a small set of path-style questions ("code in
 * email/mime") to see which search modes still serve them.
 */
import path from 'node:path';

/**
 * The prepared text without its `path: <filePath>` header line (always the second line of the
 * `codesearch-text/1` layout). Throws when the line is not where the layout puts it, so a layout
 * change cannot silently turn this into a no-op.
 */
export function withoutPathLine(text, filePath) {
  const lines = text.split('\n');
  if (lines[1] !== `path: ${filePath}`)
    throw new Error(`no "path: ${filePath}" line in the second line of the prepared text: ${lines[1]}`);
  lines.splice(1, 1);
  return lines.join('\n');
}

/** Lower-cased words of `text` (identifier parts split: `mergeMap` → merge, map; `_policybase` → policybase). */
function words(text) {
  return (text.match(/[A-Za-z0-9]+/g) ?? []).flatMap((token) =>
    (token.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? [token]).map((part) => part.toLowerCase()),
  );
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `(query) → boolean`: the query names a file or directory of the corpus — a file name with its
 * extension (`__init__.py`) or a directory path followed by `/` or ending a word (`email/mime`).
 */
export function corpusPathMatcher(filePaths) {
  const names = new Set();
  for (const filePath of filePaths) {
    names.add(path.posix.basename(filePath));
    const parts = filePath.split('/').slice(0, -1);
    for (let depth = 2; depth <= parts.length; depth++) names.add(parts.slice(0, depth).join('/'));
    if (parts.length) names.add(`${parts[0]}/`);
  }
  const pattern = new RegExp(
    `(^|[^\\w/.])(${[...names]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|')})(?!\\w|\\.\\w)`,
    'i',
  );
  return (query) => pattern.test(query);
}

/**
 * Words (3+ letters) that the query shares with the target's own path: its directory names and
 * file name without extension, split into identifier parts. These are the queries where the
 * `path:` line could carry signal for the embedding.
 */
export function sharedPathWords(query, filePath) {
  const withoutExtension = filePath.replace(/\.[A-Za-z0-9]+$/, '');
  const pathWords = new Set(words(withoutExtension).filter((word) => word.length >= 3));
  return [...new Set(words(query).filter((word) => pathWords.has(word)))];
}

/**
 * Path-style questions, one per directory and one per file that holds entities: `code in <dir>`,
 * `code in <file>`. The relevant entities are those under that directory or in that file.
 * Returns `[{ kind: 'directory' | 'file', query, relevant: Set<locationKey> }]`, in path order.
 */
export function pathStyleQueries(entities, keyOf) {
  const byFile = new Map();
  const byDirectory = new Map();
  const add = (map, name, key) => {
    if (!map.has(name)) map.set(name, new Set());
    map.get(name).add(key);
  };
  for (const entity of entities) {
    const key = keyOf(entity);
    add(byFile, entity.filePath, key);
    const parts = entity.filePath.split('/').slice(0, -1);
    for (let depth = 1; depth <= parts.length; depth++)
      add(byDirectory, parts.slice(0, depth).join('/'), key);
  }
  const queries = (kind, map) =>
    [...map.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, relevant]) => ({ kind, query: `code in ${name}`, relevant }));
  return [...queries('directory', byDirectory), ...queries('file', byFile)];
}

/**
 * Scores of one path-style query from a top-k list of location keys: `found` (1 when any relevant
 * entity is in the list) and `precision` (relevant hits / min(k, relevant entities)).
 */
export function pathQueryScore(keys, relevant, k) {
  const hits = keys.slice(0, k).filter((key) => relevant.has(key)).length;
  return { found: hits > 0 ? 1 : 0, precision: hits / Math.min(k, relevant.size) };
}
