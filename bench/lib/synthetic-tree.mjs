/**
 * A deterministic synthetic source tree of N small functions (default 1,000,000) for the scale
 * section: Python, TypeScript and Go files of 50–200 functions each, in nested directories
 * (`pkg000/mod00/…`), every function with a name, a docstring and a short body. The same
 * `functions` and `seed` always give the same bytes; a stamp file (`.synthetic-tree.json`)
 * lets a later call reuse the tree instead of writing it again.
 *
 *   node bench/lib/synthetic-tree.mjs <directory> [functions] [seed]
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 as random } from './random.mjs';

/** Bump when the generated text changes, so that stamped trees of an older shape are rewritten. */
const GENERATOR_VERSION = 1;
const STAMP = '.synthetic-tree.json';
const FILES_PER_DIRECTORY = 20;
const DIRECTORIES_PER_PACKAGE = 10;
const MIN_FUNCTIONS_PER_FILE = 50;
const MAX_FUNCTIONS_PER_FILE = 200;
/** Files written at once. */
const WRITE_CONCURRENCY = 16;

const VERBS = [
  'parse',
  'load',
  'store',
  'fetch',
  'build',
  'merge',
  'split',
  'check',
  'render',
  'resolve',
  'encode',
  'decode',
  'count',
  'sort',
  'filter',
  'group',
];
const NOUNS = [
  'config',
  'record',
  'token',
  'path',
  'header',
  'request',
  'payload',
  'entry',
  'index',
  'buffer',
  'session',
  'user',
  'order',
  'invoice',
  'route',
  'schema',
];
const QUALIFIERS = ['', 'cached', 'remote', 'local', 'pending', 'raw', 'nested', 'default'];
const LANGUAGES = ['python', 'typescript', 'go'];

const pick = (next, list) => list[Math.floor(next() * list.length)];

/** Words of one function: verb, noun, an optional qualifier, and its ordinal (names stay unique in a file). */
function functionWords(next, ordinal) {
  const qualifier = pick(next, QUALIFIERS);
  return { verb: pick(next, VERBS), noun: pick(next, NOUNS), qualifier, ordinal };
}

function camel(words) {
  return words.map((word, i) => (i === 0 ? word : word[0].toUpperCase() + word.slice(1))).join('');
}

function docstring({ verb, noun, qualifier }) {
  return `${verb[0].toUpperCase()}${verb.slice(1)} the ${qualifier ? `${qualifier} ` : ''}${noun} and return the result.`;
}

function pythonFunction(words, next) {
  const name = [words.verb, words.qualifier, words.noun, String(words.ordinal)].filter(Boolean).join('_');
  const limit = 1 + Math.floor(next() * 90);
  return [
    `def ${name}(${words.noun}, limit=${limit}):`,
    `    """${docstring(words)}"""`,
    `    items = [part for part in str(${words.noun}).split(",") if part]`,
    `    if len(items) > limit:`,
    `        items = items[:limit]`,
    `    return {"${words.verb}": items, "count": len(items)}`,
    '',
  ].join('\n');
}

function typescriptFunction(words, next) {
  const name = camel([words.verb, words.qualifier, words.noun].filter(Boolean)) + words.ordinal;
  const limit = 1 + Math.floor(next() * 90);
  return [
    `/** ${docstring(words)} */`,
    `export function ${name}(${words.noun}: string, limit = ${limit}): { items: string[]; count: number } {`,
    `  const items = ${words.noun}.split(',').filter((part) => part.length > 0);`,
    `  if (items.length > limit) items.length = limit;`,
    `  return { items, count: items.length };`,
    '}',
    '',
  ].join('\n');
}

function goFunction(words, next) {
  const name = camel([words.verb, words.qualifier, words.noun].filter(Boolean));
  const exported = name[0].toUpperCase() + name.slice(1) + words.ordinal;
  const limit = 1 + Math.floor(next() * 90);
  return [
    `// ${exported} will ${docstring(words)[0].toLowerCase()}${docstring(words).slice(1)}`,
    `func ${exported}(${words.noun} string) []string {`,
    `\titems := strings.Split(${words.noun}, ",")`,
    `\tif len(items) > ${limit} {`,
    `\t\titems = items[:${limit}]`,
    '\t}',
    '\treturn items',
    '}',
    '',
  ].join('\n');
}

const WRITERS = {
  python: { extension: 'py', header: () => 'import os\n\n', write: pythonFunction },
  typescript: { extension: 'ts', header: () => '', write: typescriptFunction },
  go: { extension: 'go', header: (dir) => `package ${dir}\n\nimport "strings"\n\n`, write: goFunction },
};

/**
 * The files of the tree, lazily: `{ relativePath, text, functions }`, in order. File i's
 * function count and words come from the seed alone, so any prefix of the list is stable.
 */
export function* syntheticFiles(functions, seed = 1) {
  const next = random(seed);
  let written = 0;
  for (let file = 0; written < functions; file++) {
    const count = Math.min(
      functions - written,
      MIN_FUNCTIONS_PER_FILE + Math.floor(next() * (MAX_FUNCTIONS_PER_FILE - MIN_FUNCTIONS_PER_FILE + 1)),
    );
    const language = LANGUAGES[file % LANGUAGES.length];
    const writer = WRITERS[language];
    const directory = Math.floor(file / FILES_PER_DIRECTORY);
    const packageName = `pkg${String(Math.floor(directory / DIRECTORIES_PER_PACKAGE)).padStart(3, '0')}`;
    const moduleName = `mod${String(directory % DIRECTORIES_PER_PACKAGE).padStart(2, '0')}`;
    const parts = [writer.header(moduleName)];
    for (let i = 0; i < count; i++) parts.push(writer.write(functionWords(next, i), next));
    yield {
      relativePath: `${packageName}/${moduleName}/file${String(file).padStart(6, '0')}.${writer.extension}`,
      text: parts.join('\n'),
      functions: count,
    };
    written += count;
  }
}

/**
 * Writes the tree of `functions` functions under `directory` (default seed 1), or reuses it
 * when its stamp says it was written whole with the same parameters. Resolves to
 * `{ directory, files, functions, bytes, reused }`.
 */
export async function syntheticTree(directory, { functions = 1_000_000, seed = 1, log = () => {} } = {}) {
  const stampPath = path.join(directory, STAMP);
  const wanted = { version: GENERATOR_VERSION, functions, seed };
  if (existsSync(stampPath)) {
    const stamp = JSON.parse(await readFile(stampPath, 'utf8'));
    if (stamp.version === wanted.version && stamp.functions === functions && stamp.seed === seed) {
      return { directory, files: stamp.files, functions, bytes: stamp.bytes, reused: true };
    }
  }
  // A tree of other parameters (or half written): written again from scratch. The directory is
  // the bench's own (under its cache directory or a scratch directory).
  await rm(directory, { recursive: true, force: true });
  await mkdir(directory, { recursive: true });
  const started = performance.now();
  let files = 0;
  let bytes = 0;
  const made = new Set();
  const inFlight = new Set();
  for (const file of syntheticFiles(functions, seed)) {
    const target = path.join(directory, file.relativePath);
    const parent = path.dirname(target);
    if (!made.has(parent)) {
      await mkdir(parent, { recursive: true });
      made.add(parent);
    }
    const write = writeFile(target, file.text).then(() => inFlight.delete(write));
    inFlight.add(write);
    if (inFlight.size >= WRITE_CONCURRENCY) await Promise.race(inFlight);
    files++;
    bytes += Buffer.byteLength(file.text);
    if (files % 1000 === 0) log(`synthetic tree: ${files} files written`);
  }
  await Promise.all(inFlight);
  await writeFile(stampPath, `${JSON.stringify({ ...wanted, files, bytes })}\n`);
  log(
    `synthetic tree: ${functions} functions in ${files} files (${(bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { directory, files, functions, bytes, reused: false };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [directory, functions = '1000000', seed = '1'] = process.argv.slice(2);
  if (!directory) {
    console.error('usage: node bench/lib/synthetic-tree.mjs <directory> [functions] [seed]');
    process.exit(2);
  }
  const tree = await syntheticTree(directory, {
    functions: Number(functions),
    seed: Number(seed),
    log: (line) => console.error(line),
  });
  console.log(JSON.stringify(tree));
}
