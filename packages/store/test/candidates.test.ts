import { describe, expect, it } from 'vitest';
import { type CodeIndex, type IndexRecord, MAX_K, openCodeIndex } from '../src/index.js';
import { cosine, MODEL, record, storeError, tempDir, track, unit } from './helpers.js';

/** Units of three languages and three kinds; `Engine.run` has a second window. */
function corpus(): IndexRecord[] {
  const runWindow0 = record({
    file: 'src/engine.py',
    line: 10,
    name: 'run',
    parent: 'Engine',
    doc: 'Run the engine until it stops.',
    vector: unit(1, 0, 0),
  });
  return [
    record({ file: 'src/engine.py', line: 1, name: 'Engine', doc: 'The engine.', vector: unit(0.7, 0.7, 0) }),
    { ...runWindow0, kind: 'method', endLine: 40, windowEnd: 25 },
    {
      ...runWindow0,
      kind: 'method',
      window: 1,
      windowStart: 24,
      windowEnd: 40,
      endLine: 40,
      text: 'python method Engine.run\nwindow: shutdown sequence flushes buffers',
      contentDigest: 'digest:run:1',
      vector: unit(0.9, 0, 0.3),
    },
    record({ file: 'src/util.py', line: 5, name: 'run_once', vector: unit(0.95, 0.1, 0) }),
    record({
      file: 'src/util.py',
      line: 9,
      name: "o'clock",
      doc: 'A name with a quote.',
      vector: unit(0, 0, 1),
    }),
    record({
      file: 'web/app.ts',
      line: 3,
      name: 'run',
      language: 'typescript',
      doc: 'Run the web app.',
      vector: unit(0.8, 0, 0.2, 0.5),
    }),
    record({ file: 'go/main.go', line: 7, name: 'Run', language: 'go', vector: unit(0.85, 0.4, 0) }),
  ].map((r, i) => (i === 0 ? { ...r, kind: 'class' } : r));
}

async function filled(): Promise<{ index: CodeIndex; records: IndexRecord[] }> {
  const index = track(await openCodeIndex(await tempDir(), { model: MODEL }));
  const records = corpus();
  await index.sync(records);
  return { index, records };
}

const id = (c: { locationKey: string; window: number }) => `${c.locationKey}#${c.window}`;

describe('vectorCandidates', () => {
  it('every row (window) by cosine similarity, best first, at most depth; no vector or text', async () => {
    const { index, records } = await filled();
    const query = unit(1, 0.1, 0.1);
    const expected = records
      .map((r) => ({ id: id(r), score: cosine(query, r.vector) }))
      .sort((a, b) => b.score - a.score);
    const all = await index.vectorCandidates(query, { depth: 100 });
    expect(all.map(id)).toEqual(expected.map((e) => e.id));
    for (const [i, candidate] of all.entries()) expect(candidate.score).toBeCloseTo(expected[i]!.score, 5);
    expect(
      all
        .filter((c) => c.locationKey === 'src/engine.py:10')
        .map((c) => c.window)
        .sort(),
    ).toEqual([0, 1]);
    const window1 = all.find((c) => c.window === 1)!;
    expect(window1).toMatchObject({ windowStart: 24, windowEnd: 40, parent: 'Engine', kind: 'method' });
    expect(Object.keys(window1)).not.toContain('vector');
    expect(Object.keys(window1)).not.toContain('text');
    expect(Object.keys(window1)).not.toContain('searchText');

    expect((await index.vectorCandidates(query, { depth: 3 })).map(id)).toEqual(
      expected.slice(0, 3).map((e) => e.id),
    );
  });

  it('filters by languages and kinds (an empty list filters nothing)', async () => {
    const { index, records } = await filled();
    const query = unit(1, 0, 0);
    const go = await index.vectorCandidates(query, { depth: 10, languages: ['go'] });
    expect(go.map(id)).toEqual(['go/main.go:7#0']);
    const methods = await index.vectorCandidates(query, { depth: 10, kinds: ['method'] });
    expect(methods.map(id).sort()).toEqual(['src/engine.py:10#0', 'src/engine.py:10#1']);
    const pythonClasses = await index.vectorCandidates(query, {
      depth: 10,
      languages: ['python', 'typescript'],
      kinds: ['class'],
    });
    expect(pythonClasses.map(id)).toEqual(['src/engine.py:1#0']);
    expect(await index.vectorCandidates(query, { depth: 10, languages: [], kinds: [] })).toHaveLength(
      records.length,
    );
  });

  it('checks the vector and the depth', async () => {
    const { index } = await filled();
    for (const depth of [0, MAX_K + 1, 1.5, Number.NaN]) {
      const error = await storeError(index.vectorCandidates(unit(1), { depth }));
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.message).toContain(`depth must be an integer in 1..${MAX_K}`);
    }
    expect((await index.vectorCandidates(unit(1), { depth: MAX_K })).length).toBe(corpus().length);
    const error = await storeError(index.vectorCandidates(new Float32Array(3), { depth: 5 }));
    expect(error.message).toContain(`Float32Array of ${MODEL.dimensions} values`);
    const kinds = await storeError(index.vectorCandidates(unit(1), { depth: 5, kinds: 'method' as never }));
    expect(kinds.message).toContain('kinds must be an array');
  });

  it('an index with nothing synced yet has no candidates', async () => {
    const index = track(await openCodeIndex(await tempDir(), { model: MODEL }));
    expect(await index.vectorCandidates(unit(1), { depth: 5 })).toEqual([]);
    expect(await index.lexicalCandidates('run', { depth: 5 })).toEqual([]);
    expect(await index.namedCandidates(['run'], { depth: 5 })).toEqual([]);
  });
});

describe('lexicalCandidates', () => {
  it('BM25 over each row, best first: a word only in window 1 finds window 1', async () => {
    const { index } = await filled();
    const shutdown = await index.lexicalCandidates('shutdown buffers', { depth: 10 });
    expect(shutdown.map(id)).toEqual(['src/engine.py:10#1']);
    expect(shutdown[0]).toMatchObject({ windowStart: 24, windowEnd: 40, qualifiedName: 'Engine.run' });
    expect(shutdown[0]!.score).toBeGreaterThan(0);

    const run = await index.lexicalCandidates('run', { depth: 10 });
    expect(run.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < run.length; i++) expect(run[i]!.score).toBeLessThanOrEqual(run[i - 1]!.score);
    expect(await index.lexicalCandidates('run', { depth: 2 })).toEqual(run.slice(0, 2));
    expect(await index.lexicalCandidates('   ', { depth: 10 })).toEqual([]);
  });

  it('filters by languages and kinds', async () => {
    const { index } = await filled();
    const ts = await index.lexicalCandidates('run', { depth: 10, languages: ['typescript'] });
    expect(ts.map(id)).toEqual(['web/app.ts:3#0']);
    const methods = await index.lexicalCandidates('run', { depth: 10, kinds: ['method'] });
    expect(methods.map(id).sort()).toEqual(['src/engine.py:10#0', 'src/engine.py:10#1']);
    expect(await index.lexicalCandidates('run', { depth: 10, kinds: ['class'], languages: ['go'] })).toEqual(
      [],
    );
  });
});

describe('namedCandidates', () => {
  it('window-0 rows whose name or qualified name equals a name, ignoring case; score 1', async () => {
    const { index } = await filled();
    const run = await index.namedCandidates(['RUN'], { depth: 10 });
    // Sorted by file path and line; Engine.run once (window 0 only); run_once is not a match.
    expect(run.map(id)).toEqual(['go/main.go:7#0', 'src/engine.py:10#0', 'web/app.ts:3#0']);
    expect(run.every((c) => c.score === 1)).toBe(true);
    expect((await index.namedCandidates(['engine.RUN'], { depth: 10 })).map(id)).toEqual([
      'src/engine.py:10#0',
    ]);
    expect((await index.namedCandidates(['nothing', 'Engine'], { depth: 10 })).map(id)).toEqual([
      'src/engine.py:1#0',
    ]);
    expect(await index.namedCandidates([], { depth: 10 })).toEqual([]);
  });

  it('a name with a quote is a literal, not SQL', async () => {
    const { index } = await filled();
    expect((await index.namedCandidates(["O'Clock"], { depth: 10 })).map(id)).toEqual(['src/util.py:9#0']);
    expect(await index.namedCandidates(["x') OR (1 = 1"], { depth: 10 })).toEqual([]);
  });

  it('filters by languages and kinds; at most depth', async () => {
    const { index } = await filled();
    expect((await index.namedCandidates(['run'], { depth: 10, languages: ['go'] })).map(id)).toEqual([
      'go/main.go:7#0',
    ]);
    expect((await index.namedCandidates(['run'], { depth: 10, kinds: ['method'] })).map(id)).toEqual([
      'src/engine.py:10#0',
    ]);
    expect((await index.namedCandidates(['run'], { depth: 2 })).map(id)).toEqual([
      'go/main.go:7#0',
      'src/engine.py:10#0',
    ]);
    const error = await storeError(index.namedCandidates('run' as never, { depth: 2 }));
    expect(error.message).toContain('namedCandidates needs an array of names');
  });
});
