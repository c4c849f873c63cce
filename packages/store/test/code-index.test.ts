import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CodeIndex, type IndexRecord, openCodeIndex, reciprocalRankFusion } from '../src/index.js';
import { cosine, MODEL, record, shifted, tempDir, track, unit, withTable } from './helpers.js';

/** The table version as LanceDB itself reports it, and how many versions it keeps. */
function tableVersion(directory: string): Promise<{ version: number; versions: number }> {
  return withTable(directory, async (table) => ({
    version: await table.version(),
    versions: (await table.listVersions()).length,
  }));
}

function corpus(): IndexRecord[] {
  return [
    record({
      file: 'a.py',
      line: 1,
      name: 'read_config',
      doc: 'Read the configuration file and return a dict.',
      vector: unit(1, 0, 0),
    }),
    record({
      file: 'a.py',
      line: 10,
      name: 'write_config',
      doc: 'Write settings back to disk.',
      vector: unit(0.9, 0.3, 0),
    }),
    record({
      file: 'b.go',
      line: 5,
      name: 'ParseURL',
      doc: 'ParseURL splits a URL into parts.',
      language: 'go',
      vector: unit(0, 1, 0),
      body: 'func ParseURL(raw string) (*URL, error) {\n\treturn nil, nil\n}',
    }),
    record({
      file: 'b.go',
      line: 20,
      name: 'Serve',
      parent: 'HTTPServer',
      doc: 'Serve accepts connections.',
      language: 'go',
      vector: unit(0.2, 0.8, 0.6),
      body: 'func (s *HTTPServer) Serve() error {\n\treturn nil\n}',
    }),
    record({
      file: 'c.ts',
      line: 3,
      name: 'tokenize',
      doc: 'Split source text into tokens.',
      language: 'typescript',
      vector: unit(0, 0, 1),
      body: 'export function tokenize(source: string): string[] {\n  return source.split(/\\s+/);\n}',
    }),
  ];
}

async function openIndex(directory: string): Promise<CodeIndex> {
  return track(await openCodeIndex(directory, { model: MODEL }));
}

/** Every row, through a vector search deep enough to see them all. */
async function allKeys(index: CodeIndex): Promise<string[]> {
  const hits = await index.search(
    { text: '', vector: unit(1, 1, 1, 1, 1, 1, 1, 1) },
    { mode: 'vector', k: 1000 },
  );
  return hits.map((hit) => hit.locationKey).sort();
}

describe('openCodeIndex + sync + search', () => {
  it('creates the index, syncs records and reports stats', async () => {
    const dir = join(await tempDir(), 'repo', '.codesearch', 'index');
    const index = await openIndex(dir);
    expect(index.directory).toBe(dir);
    const report = await index.sync(corpus());
    expect(report).toMatchObject({
      added: 5,
      updated: 0,
      relocated: 0,
      removed: 0,
      unchanged: 0,
      written: true,
    });
    const stats = await index.stats();
    expect(stats).toMatchObject({
      entities: 5,
      files: 3,
      languages: { python: 2, go: 2, typescript: 1 },
      model: { modelName: MODEL.modelName, modelVersion: MODEL.modelVersion },
      dimensions: MODEL.dimensions,
      directory: dir,
      version: report.version,
    });
    expect(Date.parse(stats.updatedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(stats.createdAt)).toBeLessThanOrEqual(Date.parse(stats.updatedAt));
  });

  it('vector mode: cosine similarity as score, best first, k results', async () => {
    const index = await openIndex(await tempDir());
    const records = corpus();
    await index.sync(records);
    const query = unit(1, 0.05, 0);
    const hits = await index.search({ text: 'ignored', vector: query }, { mode: 'vector', k: 3 });
    const expected = records
      .map((r) => ({ key: r.locationKey, score: cosine(query, r.vector) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 3);
    expect(hits.map((hit) => hit.locationKey)).toEqual(expected.map((e) => e.key));
    for (const [i, hit] of hits.entries()) expect(hit.score).toBeCloseTo(expected[i]!.score, 5);
    expect(hits[0]).toEqual({
      locationKey: 'a.py:1',
      window: 0,
      windowStart: 1,
      windowEnd: 2,
      filePath: 'a.py',
      lineNumber: 1,
      endLine: 2,
      qualifiedName: 'read_config',
      name: 'read_config',
      kind: 'function',
      language: 'python',
      score: hits[0]!.score,
      docstring: 'Read the configuration file and return a dict.',
      sourcePreview: 'def read_config():\n    pass',
    });
    expect(await index.search({ text: '', vector: query }, { mode: 'vector' })).toHaveLength(5);
  });

  it('lexical mode: BM25 over names (split), docstrings and code', async () => {
    const index = await openIndex(await tempDir());
    await index.sync(corpus());
    const configuration = await index.search({ text: 'configuration' }, { mode: 'lexical' });
    expect(configuration.map((hit) => hit.qualifiedName)).toEqual(['read_config']);
    expect(configuration[0]!.score).toBeGreaterThan(0);

    const config = await index.search({ text: 'config' }, { mode: 'lexical' });
    expect(config.map((hit) => hit.qualifiedName).sort()).toEqual(['read_config', 'write_config']);
    // camelCase and acronyms are split: ParseURL → parse, url; HTTPServer → http, server.
    expect((await index.search({ text: 'parse url' }, { mode: 'lexical' }))[0]!.qualifiedName).toBe(
      'ParseURL',
    );
    expect((await index.search({ text: 'http server' }, { mode: 'lexical' }))[0]!.qualifiedName).toBe(
      'HTTPServer.Serve',
    );
    // Stems: "tokens" and "splitting" find tokenize's docstring words.
    expect((await index.search({ text: 'splitting tokens' }, { mode: 'lexical' }))[0]!.qualifiedName).toBe(
      'tokenize',
    );
    const scores = (await index.search({ text: 'config settings disk' }, { mode: 'lexical' })).map(
      (h) => h.score,
    );
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(await index.search({ text: '   ' }, { mode: 'lexical' })).toEqual([]);
    expect(await index.search({ text: 'the a of' }, { mode: 'lexical' })).toEqual([]);
    // Query syntax characters are words, not operators.
    expect(await index.search({ text: 'config( "AND" -disk: [x]' }, { mode: 'lexical' })).not.toHaveLength(0);
  });

  it('hybrid mode (default): reciprocal rank fusion of the vector (weight 2) and lexical (weight 1) lists', async () => {
    const index = await openIndex(await tempDir());
    await index.sync(corpus());
    const query = { text: 'split tokens url', vector: unit(0.1, 1, 0.3) };
    const vector = await index.search(query, { mode: 'vector', k: 50 });
    const lexical = await index.search(query, { mode: 'lexical', k: 50 });
    const expected = reciprocalRankFusion(
      [vector.map((h) => h.locationKey), lexical.map((h) => h.locationKey)],
      { weights: [2, 1] },
    );
    const hybrid = await index.search(query);
    expect(hybrid.map((h) => [h.locationKey, h.score])).toEqual(
      expected.slice(0, 10).map((e) => [e.id, e.score]),
    );
    // ParseURL: first by vector, and found by words: 2/61 + 1/(60 + its lexical rank).
    const lexicalRank = lexical.findIndex((h) => h.qualifiedName === 'ParseURL') + 1;
    expect(lexicalRank).toBeGreaterThan(0);
    expect(hybrid[0]!.qualifiedName).toBe('ParseURL');
    expect(hybrid[0]!.score).toBeCloseTo(2 / 61 + 1 / (60 + lexicalRank), 12);
    expect(await index.search(query, { k: 2 })).toHaveLength(2);
    // Without a vector, hybrid is the lexical list alone, scored by RRF.
    const wordsOnly = await index.search({ text: 'configuration' });
    expect(wordsOnly.map((h) => [h.qualifiedName, h.score])).toEqual([['read_config', 1 / 61]]);
  });

  it('filters by language in every mode, before ranking', async () => {
    const index = await openIndex(await tempDir());
    await index.sync(corpus());
    const query = { text: 'config parse tokens serve', vector: unit(1, 0, 0) };
    for (const mode of ['vector', 'lexical', 'hybrid'] as const) {
      const go = await index.search(query, { mode, languages: ['go'], k: 5 });
      expect(go.map((h) => h.qualifiedName).sort(), mode).toEqual(['HTTPServer.Serve', 'ParseURL']);
      const two = await index.search(query, { mode, languages: ['go', 'typescript'], k: 10 });
      expect(new Set(two.map((h) => h.language)), mode).toEqual(new Set(['go', 'typescript']));
      expect(await index.search(query, { mode, languages: ['rust'] }), mode).toEqual([]);
      expect(await index.search(query, { mode, languages: [] }), mode).toHaveLength(5);
    }
  });

  it('the language filter is applied before the limit: k hits of that language even when others rank higher', async () => {
    const index = await openIndex(await tempDir());
    const python = Array.from({ length: 30 }, (_, i) =>
      record({
        file: `p${i}.py`,
        line: 1,
        name: `config_${i}`,
        doc: 'config config config',
        vector: unit(1, i / 100),
      }),
    );
    const go = record({
      file: 'g.go',
      line: 1,
      name: 'Other',
      doc: 'one config mention',
      language: 'go',
      vector: unit(0, 0, 1),
    });
    await index.sync([...python, go]);
    const query = { text: 'config', vector: unit(1, 0) };
    for (const mode of ['vector', 'lexical', 'hybrid'] as const) {
      const hits = await index.search(query, { mode, k: 1, languages: ['go'] });
      expect(
        hits.map((h) => h.locationKey),
        mode,
      ).toEqual(['g.go:1']);
      // Unfiltered, the Go row is nowhere near the top.
      const top = await index.search(query, { mode, k: 10 });
      expect(
        top.map((h) => h.locationKey),
        mode,
      ).not.toContain('g.go:1');
    }
  });

  it('an empty index searches to nothing in every mode', async () => {
    const index = await openIndex(await tempDir());
    for (const mode of ['vector', 'lexical', 'hybrid'] as const) {
      expect(await index.search({ text: 'config', vector: unit(1) }, { mode })).toEqual([]);
    }
    expect((await index.stats()).entities).toBe(0);
  });

  it('persists: a reopened index (create: false) finds the same rows', async () => {
    const dir = await tempDir();
    const first = await openCodeIndex(dir, { model: MODEL });
    await first.sync(corpus());
    await first.close();
    await first.close(); // idempotent
    const again = track(await openCodeIndex(dir, { model: MODEL, create: false }));
    expect((await again.stats()).entities).toBe(5);
    expect((await again.search({ text: 'configuration' }, { mode: 'lexical' }))[0]!.name).toBe('read_config');
    const report = await again.sync(corpus());
    expect(report).toMatchObject({ unchanged: 5, written: false });
  });

  it('keeps paths with quotes and other SQL characters intact', async () => {
    const index = await openIndex(await tempDir());
    const odd = record({ file: "it's %_ dir/x'y.py", line: 3, name: 'odd', vector: unit(0, 0, 0, 1) });
    await index.sync([...corpus(), odd]);
    expect(await allKeys(index)).toContain("it's %_ dir/x'y.py:3");
    const report = await index.sync(corpus());
    expect(report).toMatchObject({ removed: 1, unchanged: 5 });
    expect(await allKeys(index)).not.toContain("it's %_ dir/x'y.py:3");
  });
});

describe('digests', () => {
  it("are the records' content digests after each sync, and after a reopen", async () => {
    const dir = await tempDir();
    const index = await openIndex(dir);
    expect(await index.digests()).toEqual(new Set());
    const records = corpus();
    await index.sync(records);
    expect(await index.digests()).toEqual(new Set(records.map((r) => r.contentDigest)));
    const edited = [...records.slice(1), record({ file: 'new.py', line: 1, name: 'added', digest: 'd-new' })];
    await index.sync(edited);
    const digests = await index.digests();
    expect(digests).toEqual(new Set(edited.map((r) => r.contentDigest)));
    expect(digests.has(records[0]!.contentDigest)).toBe(false);
    await index.close();
    const again = track(await openCodeIndex(dir, { model: MODEL, create: false }));
    expect(await again.digests()).toEqual(digests);
  });
});

describe('incremental sync', () => {
  it('a second sync of the same records writes nothing: same table version', async () => {
    const dir = await tempDir();
    const index = await openIndex(dir);
    const first = await index.sync(corpus());
    const before = await tableVersion(dir);
    expect(before.version).toBe(first.version);
    const second = await index.sync(corpus());
    expect(second).toEqual({
      added: 0,
      updated: 0,
      relocated: 0,
      removed: 0,
      unchanged: 5,
      repaired: 0,
      version: first.version,
      written: false,
    });
    expect(await tableVersion(dir)).toEqual(before);
  });

  it('an edited record is updated, the others untouched', async () => {
    const dir = await tempDir();
    const index = await openIndex(dir);
    const records = corpus();
    const first = await index.sync(records);
    const edited = records.map((r, i) =>
      i === 1
        ? record({
            file: 'a.py',
            line: 10,
            name: 'write_config',
            doc: 'Persist settings atomically.',
            vector: unit(0, 0, 0, 0, 1),
          })
        : r,
    );
    const report = await index.sync(edited);
    expect(report).toMatchObject({
      added: 0,
      updated: 1,
      relocated: 0,
      removed: 0,
      unchanged: 4,
      written: true,
    });
    expect(report.version).toBeGreaterThan(first.version);
    expect((await tableVersion(dir)).version).toBe(report.version);
    const hit = (await index.search({ text: 'atomically' }, { mode: 'lexical' }))[0]!;
    expect(hit).toMatchObject({ locationKey: 'a.py:10', docstring: 'Persist settings atomically.' });
    expect(await index.search({ text: 'disk' }, { mode: 'lexical' })).toEqual([]);
    const [top] = await index.search({ text: '', vector: unit(0, 0, 0, 0, 1) }, { mode: 'vector', k: 1 });
    expect(top).toMatchObject({ locationKey: 'a.py:10' });
    expect(top!.score).toBeCloseTo(1, 5);
    expect(await allKeys(index)).toHaveLength(5);
  });

  it('lines inserted above: same digests at new keys are relocated, nothing added', async () => {
    const dir = await tempDir();
    const index = await openIndex(dir);
    const records = corpus();
    await index.sync(records);
    const moved = [...shifted(records.slice(0, 2), 9), ...records.slice(2)];
    // a.py:1 → a.py:10 takes the key write_config had; write_config moves to a.py:19.
    expect(moved.map((r) => r.locationKey)).toContain('a.py:10');
    const report = await index.sync(moved);
    expect(report).toMatchObject({
      added: 0,
      updated: 0,
      relocated: 2,
      removed: 0,
      unchanged: 3,
      written: true,
    });
    const keys = await allKeys(index);
    expect(keys).toEqual(moved.map((r) => r.locationKey).sort());
    const [hit] = await index.search({ text: 'configuration' }, { mode: 'lexical' });
    expect(hit).toMatchObject({ locationKey: 'a.py:10', lineNumber: 10, endLine: 11, name: 'read_config' });
    const [byVector] = await index.search({ text: '', vector: unit(1, 0, 0) }, { mode: 'vector', k: 1 });
    expect(byVector).toMatchObject({ locationKey: 'a.py:10', name: 'read_config' });
  });

  it("a deleted file's records are removed; rows stay unique", async () => {
    const dir = await tempDir();
    const index = await openIndex(dir);
    const records = corpus();
    await index.sync(records);
    const withoutGo = records.filter((r) => r.filePath !== 'b.go');
    const report = await index.sync(withoutGo);
    expect(report).toMatchObject({
      added: 0,
      updated: 0,
      relocated: 0,
      removed: 2,
      unchanged: 3,
      written: true,
    });
    expect(await allKeys(index)).toEqual(withoutGo.map((r) => r.locationKey).sort());
    expect(await index.stats()).toMatchObject({
      entities: 3,
      files: 2,
      languages: { python: 2, typescript: 1 },
    });
    // Everything gone, then back.
    expect(await index.sync([])).toMatchObject({ removed: 3, written: true });
    expect(await allKeys(index)).toEqual([]);
    expect(await index.search({ text: 'config' }, { mode: 'lexical' })).toEqual([]);
    expect(await index.sync(records)).toMatchObject({ added: 5 });
    expect(await allKeys(index)).toEqual(records.map((r) => r.locationKey).sort());
  });

  it('mixed changes in one sync: one data commit, counts add up, rows consistent', async () => {
    const dir = await tempDir();
    const index = await openIndex(dir);
    const records = corpus();
    await index.sync(records);
    const before = await tableVersion(dir);
    const next = [
      ...shifted(records.slice(0, 1), 2), // relocated
      record({ file: 'a.py', line: 10, name: 'write_config', body: 'def write_config():\n    return 1' }), // updated
      records[4]!, // unchanged
      record({ file: 'd.rs', line: 1, name: 'new_fn', language: 'rust', vector: unit(0, 0, 0, 0, 0, 1) }), // added
    ]; // b.go's two records: removed
    const report = await index.sync(next);
    expect(report).toMatchObject({ added: 1, updated: 1, relocated: 1, removed: 2, unchanged: 1 });
    expect(report.added + report.updated + report.relocated + report.unchanged).toBe(next.length);
    expect(report.removed + report.updated + report.relocated + report.unchanged).toBe(records.length);
    expect(await allKeys(index)).toEqual(next.map((r) => r.locationKey).sort());
    const after = await tableVersion(dir);
    // The data in one commit (merge-insert with delete), then optimize (compaction, FTS update).
    // The data changed in one commit (merge-insert with delete): the first new version already
    // has the final row count; the next ones are optimize's (compaction, full-text index).
    const versions = await withTable(dir, (table) => table.listVersions());
    const firstNew = versions.find((v) => v.version === before.version + 1);
    expect(firstNew?.metadata.total_rows).toBe(String(next.length));
    expect(after.version - before.version).toBeLessThanOrEqual(5);
    expect((await index.search({ text: 'new fn' }, { mode: 'lexical' }))[0]!.locationKey).toBe('d.rs:1');
  });

  it('keeps the full-text index covering every row after syncs', async () => {
    const dir = await tempDir();
    const index = await openIndex(dir);
    await index.sync(corpus());
    await index.sync([...corpus(), record({ file: 'e.py', line: 1, name: 'zebra_stripes' })]);
    const [fts] = await withTable(dir, async (table) =>
      (await table.listIndices()).filter((i) => i.indexType === 'FTS'),
    );
    expect(fts).toMatchObject({ columns: ['searchText'], numIndexedRows: 6, numUnindexedRows: 0 });
  });

  it('concurrent syncs on one handle run one after another', async () => {
    const index = await openIndex(await tempDir());
    const records = corpus();
    const [a, b, c] = await Promise.all([
      index.sync(records),
      index.sync(records),
      index.sync(records.slice(1)),
    ]);
    expect(a).toMatchObject({ added: 5 });
    expect(b).toMatchObject({ unchanged: 5, written: false });
    expect(c).toMatchObject({ removed: 1, unchanged: 4 });
  });
});
