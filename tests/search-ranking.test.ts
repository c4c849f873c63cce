import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTransformersEmbedder } from '@codesearch/embedder';
import { type RankedHit, type RankingSignals, type SearchRequest, searchCode } from '@codesearch/search';
import { type CodeIndex, openCodeIndex } from '@codesearch/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codesearch, jsonLinesOf, MODELS_DIR, ok } from './helpers/cli.js';

// The ranking stage on a small real corpus, indexed by the real `codesearch index` (real
// parser, windows, model and LanceDB): each signal tested here changes the order of real hits.

const FIXTURE = fileURLToPath(new URL('./fixtures/ranking-repo', import.meta.url));
let root: string;
let index: CodeIndex;
const embedder = createTransformersEmbedder({ modelsDir: MODELS_DIR });

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'codesearch-ranking-'));
  await cp(FIXTURE, root, { recursive: true });
  ok(await codesearch(['index', root, '--cache', path.join(root, 'cache.json'), '--models-dir', MODELS_DIR]));
  const info = await embedder.describe();
  index = await openCodeIndex(path.join(root, '.codesearch', 'index'), { model: info, create: false });
}, 300_000);

afterAll(async () => {
  await index?.close();
  await embedder.dispose?.();
  await rm(root, { recursive: true, force: true });
});

async function ask(query: string, more: Partial<SearchRequest> = {}): Promise<RankedHit[]> {
  const [outcome] = await embedder.embed([query]);
  if (!outcome?.ok) throw new Error(`cannot embed ${query}`);
  return searchCode(index, { query, vector: outcome.vector, k: 10, ...more });
}

const without = (signal: keyof RankingSignals) => ({ signals: { [signal]: false } });

describe('ranking on a real index', () => {
  it('a bare class name finds the class first, not its methods (exact name)', async () => {
    const ranked = await ask('Router');
    expect(ranked[0]).toMatchObject({ qualifiedName: 'Router', kind: 'class', filePath: 'src/routing.py' });
    expect(ranked[0]!.explanation.map((note) => note.signal)).toContain('exact name');
    const plain = await ask('Router', without('exactName'));
    expect(plain[0]!.qualifiedName).not.toBe('Router');
  });

  it('code under test comes before its tests, unless the question asks for tests (test paths)', async () => {
    const ranked = await ask('register a route for a path');
    expect(ranked[0]!.filePath).toBe('src/routing.py');
    const plain = await ask('register a route for a path', without('testPaths'));
    expect(plain[0]!.filePath).toBe('tests/test_routing.py');
    const tests = await ask('tests for registering a route');
    expect(tests[0]!.filePath).toBe('tests/test_routing.py');
  });

  it('a worded question naming an identifier’s parts finds it first (name words)', async () => {
    const ranked = await ask('write file atomic');
    expect(ranked[0]!.qualifiedName).toBe('writeFileAtomic');
    expect(ranked[0]!.explanation.map((note) => note.signal)).toContain('name words');
  });

  it('a 600-line function is found by a phrase from its last lines, at those lines (windows)', async () => {
    const [hit] = await ask('feed the fish and clean the aquarium glass', { mode: 'vector' });
    expect(hit).toMatchObject({ qualifiedName: 'nightly_batch', lineNumber: 1, endLine: 591 });
    expect(hit!.matchStart).toBeGreaterThan(500);
    expect(hit!.matchEnd).toBe(591);
  });

  it('module-level code is searchable: a constant by its name', async () => {
    const [hit] = await ask('DEFAULT_METHODS');
    expect(hit).toMatchObject({ name: 'DEFAULT_METHODS', kind: 'constant', lineNumber: 5 });
  });

  it('methods of a class hit are folded into it (nested)', async () => {
    const ranked = await ask('Router', { k: 10 });
    const inside = ranked.filter(
      (hit) => hit.filePath === 'src/routing.py' && hit.lineNumber > 8 && hit.endLine <= 36,
    );
    expect(inside).toEqual([]);
    expect(ranked[0]!.folded?.length ?? 0).toBeGreaterThan(0);
    const plain = await ask('Router', { k: 10, ...without('nested') });
    expect(plain.some((hit) => hit.qualifiedName === 'Router.add_route')).toBe(true);
  });
});

describe('codesearch search (CLI) through the ranking stage', () => {
  it('--json carries the matched lines and, with --explain, the signals', async () => {
    const result = await codesearch([
      'search',
      'Router',
      '--path',
      root,
      '--json',
      '--explain',
      '-k',
      '3',
      '--models-dir',
      MODELS_DIR,
    ]);
    const [answer] = jsonLinesOf<{ results: Array<Record<string, unknown>> }>(result);
    expect(answer!.results[0]).toMatchObject({ qualifiedName: 'Router', kind: 'class', matchStart: 8 });
    expect(answer!.results[0]!.explanation).toEqual(
      expect.arrayContaining([expect.objectContaining({ signal: 'exact name' })]),
    );
  });

  it('--kind keeps only units of those kinds', async () => {
    const result = await codesearch([
      'search',
      'route',
      '--path',
      root,
      '--json',
      '--kind',
      'function',
      '--models-dir',
      MODELS_DIR,
    ]);
    const [answer] = jsonLinesOf<{ results: Array<{ kind: string }> }>(result);
    expect(answer!.results.length).toBeGreaterThan(0);
    expect(new Set(answer!.results.map((hit) => hit.kind))).toEqual(new Set(['function']));
  });
});
