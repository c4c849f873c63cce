import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codesearch, FORBID_RUNTIME, MINI_REPO, ok } from './helpers/cli.js';
import { type RunResult, stripAnsi } from './helpers/run.js';

// End-to-end tests of `codesearch index`, `search`, `status` and `cache`: the built CLI, the
// real model (provisioned by `npm run setup`), real files, a real index and cache in temp dirs.

interface IndexReport {
  summary: { total: number; success: number; failed: number; cached: number; newlyEmbedded: number };
  sync: {
    added: number;
    updated: number;
    relocated: number;
    removed: number;
    unchanged: number;
    written: boolean;
  };
  index: { directory: string; entities: number };
  errors: Record<string, string>;
  warnings: string[];
}

interface SearchLine {
  query: string;
  results: Array<{
    filePath: string;
    lineNumber: number;
    endLine: number;
    qualifiedName: string;
    name: string;
    kind: string;
    language: string;
    score: number;
  }>;
}

interface ParsedEntity {
  filePath: string;
  lineNumber: number;
  endLine: number;
  name: string;
  qualifiedName: string;
  kind: string;
  language: string;
  docstring?: string;
}

/** The entities `codesearch parse` finds: the independent source of expected values. */
async function parsedEntities(root: string): Promise<ParsedEntity[]> {
  const result = ok(await codesearch(['parse', root, '--json']));
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ParsedEntity);
}

function searchLines(result: RunResult): SearchLine[] {
  return ok(result)
    .stdout.trim()
    .split('\n')
    .map((line) => JSON.parse(line) as SearchLine);
}

/** The first sentence of a docstring, as CodeSearchNet makes queries. */
function firstSentence(docstring: string): string {
  return docstring.trim().split(/(?<=\.)\s/)[0]!;
}

let scratch: string;
let tree: string;
let indexDir: string;
let cacheDir: string;
let entities: ParsedEntity[];
/** A function of the mini repo with a docstring, and the query made from it. */
let target: ParsedEntity;
let query: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'codesearch-search-e2e-'));
  tree = path.join(scratch, 'repo');
  await cp(MINI_REPO, tree, { recursive: true });
  indexDir = path.join(scratch, 'index');
  cacheDir = path.join(scratch, 'cache');
  entities = await parsedEntities(tree);
  const documented = entities.filter(
    (entity) => entity.kind === 'function' && entity.docstring && entity.docstring.length > 20,
  );
  expect(documented.length).toBeGreaterThan(0);
  target = documented.find((entity) => entity.name === 'slugify') ?? documented[0]!;
  query = firstSentence(target.docstring!);
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function index(extra: string[] = [], nodeOptions: string[] = []): Promise<RunResult> {
  return codesearch(['index', tree, '--index', indexDir, '--cache', cacheDir, ...extra], { nodeOptions });
}

describe('codesearch index, search and status on the mini repository', () => {
  it('search before any index exits 2 (an error) and says how to create it', async () => {
    const result = await codesearch(['search', 'anything', '--path', tree, '--index', indexDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`no index at ${indexDir}`);
    expect(result.stderr).toMatch(/create it with `codesearch index .*--index/);
    expect(result.stdout).toBe('');
  });

  it('search while the model is missing exits 2 (an error) and says how to get it', async () => {
    // An index must exist for the model to be needed: use a throwaway one.
    const other = path.join(scratch, 'missing-model-index');
    ok(await codesearch(['index', tree, '--index', other, '--cache', path.join(scratch, 'cache-2')]));
    const empty = await mkdtemp(path.join(scratch, 'no-models-'));
    const result = await codesearch([
      'search',
      'anything',
      '--path',
      tree,
      '--index',
      other,
      '--models-dir',
      empty,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/model Xenova\/all-MiniLM-L6-v2 not found/);
    expect(result.stderr).toMatch(/codesearch model pull/);
  });

  it('indexes every entity the parser finds and prints the embed and index rows', async () => {
    const result = ok(await index());
    const table = stripAnsi(result.stdout);
    expect(table).toMatch(new RegExp(`entities\\s*│?\\s*${entities.length}\\b`));
    expect(table).toMatch(new RegExp(`added\\s*│?\\s*${entities.length}\\b`));
    expect(table).toMatch(/unchanged\s*│?\s*0\b/);
    expect(table).toContain(indexDir);
  });

  it('a docstring sentence finds its function first in hybrid and vector mode', async () => {
    for (const mode of ['hybrid', 'vector']) {
      const [line] = searchLines(
        await codesearch(['search', query, '--path', tree, '--index', indexDir, '--mode', mode, '--json']),
      );
      expect(line!.query).toBe(query);
      expect(line!.results.length).toBeGreaterThan(1);
      expect(line!.results[0]).toMatchObject({
        filePath: target.filePath,
        lineNumber: target.lineNumber,
        qualifiedName: target.qualifiedName,
      });
    }
  });

  it('--json gives one line per query with exactly the documented fields, best first', async () => {
    const result = await codesearch([
      'search',
      query,
      '--path',
      tree,
      '--index',
      indexDir,
      '--json',
      '-k',
      '4',
    ]);
    const lines = searchLines(result);
    expect(lines).toHaveLength(1);
    expect(Object.keys(lines[0]!)).toEqual(['query', 'root', 'freshness', 'results']);
    // The tree is as indexed: nothing was re-indexed before answering.
    expect((lines[0] as unknown as { freshness: unknown }).freshness).toEqual({
      state: 'fresh',
      pending: { added: 0, changed: 0, deleted: 0, renamed: 0 },
    });
    const { results } = lines[0]!;
    expect(results).toHaveLength(4);
    for (const hit of results) {
      // `folded` (units inside this hit) only when there are some.
      expect(
        Object.keys(hit)
          .filter((key) => key !== 'folded')
          .sort(),
      ).toEqual(
        [
          'endLine',
          'filePath',
          'kind',
          'language',
          'lineNumber',
          'matchEnd',
          'matchStart',
          'name',
          'qualifiedName',
          'score',
          'relativeScore',
          'lines',
        ].sort(),
      );
      // Every hit is an entity the parser found, with its own lines, name and language.
      const entity = entities.find((e) => e.filePath === hit.filePath && e.lineNumber === hit.lineNumber);
      expect(entity).toBeDefined();
      expect(hit).toMatchObject({
        endLine: entity!.endLine,
        name: entity!.name,
        qualifiedName: entity!.qualifiedName,
        kind: entity!.kind,
        language: entity!.language,
      });
    }
    const scores = results.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('--lang keeps only entities of those languages', async () => {
    const go = entities.filter((entity) => entity.language === 'go');
    expect(go.length).toBeGreaterThan(0);
    const [line] = searchLines(
      await codesearch(['search', query, '--path', tree, '--index', indexDir, '--lang', 'go', '--json']),
    );
    expect(line!.results.map((hit) => `${hit.filePath}:${hit.lineNumber}`).sort()).toEqual(
      go.map((entity) => `${entity.filePath}:${entity.lineNumber}`).sort(),
    );
  });

  it('human output shows file:line-end (from the current directory), qualified name, kind, relative score and the lines of code', async () => {
    const result = ok(
      await codesearch(['search', query, '--path', tree, '--index', indexDir, '-k', '2'], { cwd: tree }),
    );
    const lines = stripAnsi(result.stdout).split('\n');
    expect(lines[0]).toBe(
      `${target.filePath}:${target.lineNumber}-${target.endLine}  ${target.qualifiedName} (${target.kind})  1.00`,
    );
    // The unit is short: all of it, numbered.
    const source = (await readFile(path.join(tree, target.filePath), 'utf8')).split('\n');
    expect(lines[1]).toMatch(new RegExp(`^\\s+${target.lineNumber}[:-] `));
    expect(lines[1]!.replace(/^\s+\d+[:-] /, '')).toBe(source[target.lineNumber - 1]);
    expect(lines.filter((line) => /^\S+:\d+-\d+ {2}/.test(line))).toHaveLength(2);
  });

  it('lexical search works without ever loading the model runtime', async () => {
    // The guard must be able to fail: vector search under it needs the runtime and dies.
    const vector = await codesearch(
      ['search', query, '--path', tree, '--index', indexDir, '--mode', 'vector'],
      { nodeOptions: ['--import', FORBID_RUNTIME] },
    );
    expect(vector.code).not.toBe(0);
    expect(vector.stderr + vector.stdout).toMatch(/forbidden in this test/);

    const [line] = searchLines(
      await codesearch(
        ['search', target.name, '--path', tree, '--index', indexDir, '--mode', 'lexical', '--json'],
        { nodeOptions: ['--import', FORBID_RUNTIME] },
      ),
    );
    expect(line!.results[0]).toMatchObject({ filePath: target.filePath, lineNumber: target.lineNumber });
  });

  it('--queries-file answers each non-blank line, in order, in one process', async () => {
    const queries = [query, 'Router', 'build users from rows'];
    const file = path.join(scratch, 'queries.txt');
    await writeFile(file, `${queries[0]}\n\n   \n${queries[1]}\r\n${queries[2]}\n`);
    const lines = searchLines(
      await codesearch([
        'search',
        '--queries-file',
        file,
        '--path',
        tree,
        '--index',
        indexDir,
        '--json',
        '-k',
        '3',
      ]),
    );
    expect(lines.map((line) => line.query)).toEqual(queries);
    for (const line of lines) expect(line.results.length).toBeGreaterThan(0);
    expect(lines[0]!.results[0]!.qualifiedName).toBe(target.qualifiedName);
  });

  it('status --json counts match `codesearch parse` of the tree and say the index is fresh', async () => {
    const result = ok(await codesearch(['status', tree, '--index', indexDir, '--json']));
    const status = JSON.parse(result.stdout) as {
      entities: number;
      files: number;
      languages: Record<string, number>;
      directory: string;
      dimensions: number;
      model: { modelName: string };
      staleness: { stale: boolean };
    };
    const languages: Record<string, number> = {};
    for (const entity of entities) languages[entity.language] = (languages[entity.language] ?? 0) + 1;
    expect(status.entities).toBe(entities.length);
    expect(status.files).toBe(new Set(entities.map((entity) => entity.filePath)).size);
    expect(status.languages).toEqual(languages);
    expect(status.directory).toBe(indexDir);
    expect(status.model.modelName).toBe('Xenova/all-MiniLM-L6-v2');
    expect(status.dimensions).toBe(384);
    expect(status.staleness.stale).toBe(false);
  });

  it('a second index of the unchanged tree embeds nothing, never loads the model, and writes nothing', async () => {
    const report = JSON.parse(
      ok(await index(['--json'], ['--import', FORBID_RUNTIME])).stdout,
    ) as IndexReport;
    expect(report.summary).toMatchObject({
      total: entities.length,
      cached: entities.length,
      newlyEmbedded: 0,
    });
    expect(report.sync).toMatchObject({
      added: 0,
      updated: 0,
      relocated: 0,
      removed: 0,
      unchanged: entities.length,
      written: false,
    });
    expect(report.index).toEqual({ directory: indexDir, entities: entities.length });
  });

  it('an edited function is re-embedded and reported as updated 1; status saw the edit first', async () => {
    const file = path.join(tree, target.filePath);
    const source = await readFile(file, 'utf8');
    const edited = source.replace(target.docstring!.trim(), `${target.docstring!.trim()} Edited.`);
    expect(edited).not.toBe(source);
    await writeFile(file, edited);

    const status = JSON.parse(
      ok(await codesearch(['status', tree, '--index', indexDir, '--json'])).stdout,
    ) as {
      staleness: { stale: boolean; changed: string[]; added: string[]; deleted: string[] };
    };
    expect(status.staleness).toMatchObject({
      stale: true,
      changed: [target.filePath],
      added: [],
      deleted: [],
    });

    const report = JSON.parse(ok(await index(['--json'])).stdout) as IndexReport;
    expect(report.summary.newlyEmbedded).toBe(1);
    expect(report.sync).toMatchObject({
      added: 0,
      updated: 1,
      relocated: 0,
      removed: 0,
      unchanged: entities.length - 1,
      written: true,
    });
  });

  it('cache info counts the entries; prune drops the edited-away one; clear needs --yes', async () => {
    const cacheFile = path.join(cacheDir, 'cache.json');
    const onDisk = () =>
      readFile(cacheFile, 'utf8').then(
        (text) => Object.keys((JSON.parse(text) as { embeddings: object }).embeddings).length,
      );
    // One entry per entity, plus the text of the function before its edit.
    expect(await onDisk()).toBe(entities.length + 1);
    const info = JSON.parse(
      ok(await codesearch(['cache', 'info', '--cache', cacheDir, '--json'])).stdout,
    ) as {
      location: string;
      entries: number;
      model: { modelName: string; dimensions: number };
    };
    expect(info).toMatchObject({ location: cacheFile, entries: entities.length + 1 });
    expect(info.model).toMatchObject({ modelName: 'Xenova/all-MiniLM-L6-v2', dimensions: 384 });

    const prune = JSON.parse(
      ok(
        await codesearch([
          'cache',
          'prune',
          '--cache',
          cacheDir,
          '--path',
          tree,
          '--index',
          indexDir,
          '--json',
        ]),
      ).stdout,
    ) as { kept: number; removed: number };
    expect(prune).toMatchObject({ kept: entities.length, removed: 1 });
    expect(await onDisk()).toBe(entities.length);
    // What prune kept is exactly what the index uses: a re-index is wholly cached.
    const report = JSON.parse(
      ok(await index(['--json'], ['--import', FORBID_RUNTIME])).stdout,
    ) as IndexReport;
    expect(report.summary.newlyEmbedded).toBe(0);

    const refused = await codesearch(['cache', 'clear', '--cache', cacheDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--yes/);
    expect(await onDisk()).toBe(entities.length);
    ok(await codesearch(['cache', 'clear', '--cache', cacheDir, '--yes']));
    await expect(readFile(cacheFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('index and --rebuild refuse, before embedding anything, a directory holding other files', async () => {
    const notAnIndex = path.join(scratch, 'not-an-index');
    await mkdir(notAnIndex, { recursive: true });
    await writeFile(path.join(notAnIndex, 'notes.txt'), 'keep me\n');
    for (const flags of [[], ['--rebuild']]) {
      // Under the guard, an embedding run would die loudly instead of printing the refusal.
      const refused = await codesearch(['index', tree, '--index', notAnIndex, '--no-cache', ...flags], {
        nodeOptions: ['--import', FORBID_RUNTIME],
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /is not a codesearch index: .*holds other files \(notes.txt\); nothing was changed in it/,
      );
      expect(await readdir(notAnIndex)).toEqual(['notes.txt']);
    }
  });

  it('another model is refused before any embedding, with a message that says --rebuild; --rebuild starts over', async () => {
    // A copy of the model with one changed file is another model version.
    const models = path.join(scratch, 'models');
    const modelsDir = process.env.CODESEARCH_MODELS_DIR ?? path.join(os.homedir(), '.codesearch', 'models');
    const original = path.join(modelsDir, 'Xenova', 'all-MiniLM-L6-v2');
    const copy = path.join(models, 'minilm-copy');
    await cp(original, copy, { recursive: true });
    const config = JSON.parse(await readFile(path.join(copy, 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    await writeFile(path.join(copy, 'config.json'), JSON.stringify({ ...config, codesearch_test: true }));
    // A model of the user's own (no pull manifest): other files make another model, not a damaged one.
    await rm(path.join(copy, 'codesearch-model.json'));

    // Refused before embedding anything: under the guard, any embedding would die instead.
    const refused = await index(['--model', copy, '--no-cache'], ['--import', FORBID_RUNTIME]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/was built with .*, not .*: vectors of two models cannot be compared/);
    expect(refused.stderr).toContain('--rebuild');

    // --rebuild starts over with the new model: every entity is added again.
    const report = JSON.parse(
      ok(await index(['--model', copy, '--no-cache', '--rebuild', '--json'])).stdout,
    ) as IndexReport;
    expect(report.sync).toMatchObject({ added: entities.length, unchanged: 0, removed: 0 });
    expect(report.index.entities).toBe(entities.length);
  });
});
