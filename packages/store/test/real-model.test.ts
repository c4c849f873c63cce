import { execFileSync } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { contentKey } from '@codesearch/cache';
import type { CodeEntity, LocationKey } from '@codesearch/core';
import { createTransformersEmbedder, DEFAULT_MODEL, defaultModelsDir } from '@codesearch/embedder';
import { parseFile } from '@codesearch/parser';
import { createTextPreparator } from '@codesearch/text-prep';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CodeIndex, openCodeIndex, recordsFromEntities } from '../src/index.js';

/** Real Python from this machine's standard library, through the real pipeline and model. */
const FILES = ['textwrap.py', 'shlex.py', 'fnmatch.py', 'glob.py'];

/** A docstring sentence (as a person would type it) and the function it documents. */
const QUERIES: Array<[query: string, file: string, qualifiedName: string]> = [
  ['Remove any common leading whitespace from every line in text', 'textwrap.py', 'dedent'],
  ['Return a shell-escaped version of the string', 'shlex.py', 'quote'],
  ['Split the string using shell-like syntax', 'shlex.py', 'split'],
  ['Translate a shell pattern to a regular expression', 'fnmatch.py', 'translate'],
  ['Escape all special characters', 'glob.py', 'escape'],
  ['Construct a list from those elements of the iterable that match the pattern', 'fnmatch.py', 'filter'],
];

const embedder = createTransformersEmbedder({ modelsDir: defaultModelsDir() });
let index: CodeIndex;
let entityCount = 0;
let rowCount = 0;
let dir = '';

async function embedOne(text: string): Promise<Float32Array> {
  const [outcome] = await embedder.embed([text]);
  if (!outcome?.ok) throw new Error(`embedding failed: ${outcome?.error.message}`);
  return outcome.vector;
}

beforeAll(async () => {
  const onnx = path.join(defaultModelsDir(), ...DEFAULT_MODEL.split('/'), 'onnx', 'model_quantized.onnx');
  await access(onnx).catch(() => {
    throw new Error(`the default model is not at ${onnx}; run \`pnpm --silent codesearch model pull\` first`);
  });
  const stdlib = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], {
    encoding: 'utf8',
  }).trim();
  const entities: CodeEntity[] = [];
  for (const file of FILES)
    entities.push(...(await parseFile(path.join(stdlib, file), { root: stdlib })).entities);
  entityCount = entities.length;

  // Every unit as text-prep cuts it: one window, or several for a long unit (one row each).
  const preparator = createTextPreparator();
  const model = await embedder.describe();
  const windows = entities.map((e) => preparator.prepareWindows!(e));
  const flat = windows.flat();
  const outcomes = await embedder.embed(flat.map((w) => w.text));
  const digest = (text: string) =>
    contentKey({
      modelName: model.modelName,
      modelVersion: model.modelVersion,
      textPrepVersion: preparator.version,
      text,
    });
  let next = 0;
  const embedded = windows.map((list) =>
    list.map((w) => {
      const outcome = outcomes[next++]!;
      return { ...w, digest: digest(w.text), vector: outcome.ok ? outcome.vector : null };
    }),
  );
  rowCount = flat.length;
  const { records, skipped } = recordsFromEntities({
    entities,
    keys: entities.map((e) => `${e.filePath}:${e.lineNumber}` as LocationKey),
    vectors: embedded.map((list) => list[0]!.vector),
    texts: embedded.map((list) => list[0]!.text),
    digests: embedded.map((list) => list[0]!.digest),
    windows: embedded.map((list) => (list.length > 1 ? list : null)),
  });
  expect(skipped).toEqual([]);
  // Its own directory: the helpers' temp dirs are removed after each test, this index lives for the file.
  dir = await mkdtemp(path.join(tmpdir(), 'codesearch-store-real-'));
  index = await openCodeIndex(dir, { model });
  expect(await index.sync(records)).toMatchObject({ added: rowCount });
  expect(await index.sync(records)).toMatchObject({ unchanged: rowCount, written: false });
  expect(await index.stats()).toMatchObject({ entities: entities.length, rows: rowCount });
}, 180_000);

afterAll(async () => {
  await index?.close();
  await embedder.dispose?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('real model, real code', () => {
  it('indexes a few dozen real definitions, long ones as several windows', () => {
    expect(entityCount).toBeGreaterThanOrEqual(30);
    expect(rowCount).toBeGreaterThan(entityCount);
  });

  // Vector alone: top 5. With top-level `code` units and window rows (text-prep/2), "Remove any
  // common leading whitespace…" ranked `_whitespace_only_re` (code, 0.550), `_munge_whitespace`
  // (0.549) and window 1 of `indent` (0.543) above `dedent`; ranking is @codesearch/search's job.
  for (const [mode, k] of [
    ['vector', 5],
    ['hybrid', 3],
  ] as const) {
    it(`${mode}: a docstring sentence finds its function in the top ${k}`, async () => {
      for (const [query, file, qualifiedName] of QUERIES) {
        const hits = await index.search({ text: query, vector: await embedOne(query) }, { mode, k });
        const found = hits.map((hit) => `${hit.filePath}:${hit.qualifiedName}`);
        expect(found, `${mode} "${query}"`).toContain(`${file}:${qualifiedName}`);
      }
    });
  }

  it('lexical: the same sentences find their functions by words (top 3)', async () => {
    for (const [query, file, qualifiedName] of QUERIES) {
      const hits = await index.search({ text: query }, { mode: 'lexical', k: 3 });
      expect(
        hits.map((hit) => `${hit.filePath}:${hit.qualifiedName}`),
        query,
      ).toContain(`${file}:${qualifiedName}`);
    }
  });

  it('the language filter keeps the real hits in Python, and excludes them otherwise', async () => {
    const query = 'Return a shell-escaped version of the string';
    const vector = await embedOne(query);
    expect((await index.search({ text: query, vector }, { languages: ['python'] })).length).toBe(10);
    expect(await index.search({ text: query, vector }, { languages: ['go'] })).toEqual([]);
  });
});
