import type { CodeEntity, LocationKey } from '@codesearch/core';
import { StoreError } from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { defaultIndexDir, recordsFromEntities, sourcePreview } from '../src/index.js';
import { sqlIn, sqlString } from '../src/sql.js';

const entity = (over: Partial<CodeEntity> = {}): CodeEntity => ({
  kind: 'method',
  name: 'parse',
  qualifiedName: 'Parser.parse',
  filePath: 'src/parser.py',
  lineNumber: 12,
  endLine: 14,
  language: 'python',
  docstring: 'Parse it.',
  signature: 'def parse(self):',
  sourceCode: 'def parse(self):\n    """Parse it."""\n    return 1',
  parent: 'Parser',
  ...over,
});

describe('recordsFromEntities', () => {
  it('joins entities, keys, vectors, texts and digests; converts number[] vectors', () => {
    const { records, skipped } = recordsFromEntities({
      entities: [
        entity(),
        entity({
          name: 'f',
          qualifiedName: 'f',
          kind: 'function',
          docstring: undefined,
          signature: undefined,
          lineNumber: 20,
          endLine: 20,
          sourceCode: 'def f(): pass',
        }),
      ],
      keys: ['src/parser.py:12', 'src/parser.py:20'],
      vectors: [[0.6, 0.8], new Float32Array([1, 0])],
      texts: ['text one', 'text two'],
      digests: ['d1', 'd2'],
    });
    expect(skipped).toEqual([]);
    expect(records[0]).toEqual({
      locationKey: 'src/parser.py:12',
      window: 0,
      windowStart: 12,
      windowEnd: 14,
      parent: 'Parser',
      filePath: 'src/parser.py',
      lineNumber: 12,
      endLine: 14,
      kind: 'method',
      name: 'parse',
      qualifiedName: 'Parser.parse',
      language: 'python',
      docstring: 'Parse it.',
      signature: 'def parse(self):',
      text: 'text one',
      sourcePreview: 'def parse(self):\n    """Parse it."""\n    return 1',
      contentDigest: 'd1',
      vector: new Float32Array([0.6, 0.8]),
    });
    expect(records[0]!.vector).toBeInstanceOf(Float32Array);
    expect(records[1]).not.toHaveProperty('docstring');
    expect(records[1]).not.toHaveProperty('signature');
  });

  it('leaves out entities that failed upstream (no vector, text or digest) and lists them', () => {
    const keys: LocationKey[] = ['a.py:1', 'a.py:2', 'a.py:3', 'a.py:4'];
    const { records, skipped } = recordsFromEntities({
      entities: keys.map((_, i) => entity({ lineNumber: i + 1 })),
      keys,
      vectors: [null, [1], [1], [1]],
      texts: ['t', null, 't', 't'],
      digests: ['d', 'd', undefined, 'd'],
    });
    expect(records.map((r) => r.locationKey)).toEqual(['a.py:4']);
    expect(skipped).toEqual(['a.py:1', 'a.py:2', 'a.py:3']);
  });

  it('refuses arrays of different lengths', () => {
    const call = () =>
      recordsFromEntities({ entities: [entity()], keys: ['a:1'], vectors: [], texts: ['t'], digests: ['d'] });
    expect(call).toThrow(StoreError);
    expect(call).toThrow('[store] recordsFromEntities: vectors has 0 items for 1 entities');
  });
});

describe('recordsFromEntities with windows', () => {
  const long = entity({
    lineNumber: 100,
    endLine: 119,
    sourceCode: Array.from({ length: 20 }, (_, i) => `line ${100 + i}`).join('\n'),
  });
  const window = (startLine: number, endLine: number, vector: number[] | null = [1, 0]) => ({
    startLine,
    endLine,
    text: `text ${startLine}`,
    digest: `d${startLine}`,
    vector,
  });

  it('one record per window: its lines, text, digest, vector; later windows preview their own lines', () => {
    const { records, skipped } = recordsFromEntities(
      {
        entities: [long, entity()],
        keys: ['src/parser.py:100', 'src/parser.py:12'],
        vectors: [null, [0.6, 0.8]],
        texts: [null, 'whole'],
        digests: [null, 'dw'],
        windows: [[window(100, 109), window(108, 117, [0, 1]), window(116, 119)], null],
      },
      { previewLines: 2 },
    );
    expect(skipped).toEqual([]);
    expect(
      records.map((r) => [
        r.locationKey,
        r.window,
        r.windowStart,
        r.windowEnd,
        r.text,
        r.contentDigest,
        r.sourcePreview,
      ]),
    ).toEqual([
      ['src/parser.py:100', 0, 100, 109, 'text 100', 'd100', 'line 100\nline 101'],
      ['src/parser.py:100', 1, 108, 117, 'text 108', 'd108', 'line 108\nline 109'],
      ['src/parser.py:100', 2, 116, 119, 'text 116', 'd116', 'line 116\nline 117'],
      ['src/parser.py:12', 0, 12, 14, 'whole', 'dw', 'def parse(self):\n    """Parse it."""'],
    ]);
    expect(records[1]!.vector).toEqual(new Float32Array([0, 1]));
    // Every window row carries the unit's own fields.
    expect(records[2]).toMatchObject({ lineNumber: 100, endLine: 119, parent: 'Parser', name: 'parse' });
  });

  it('a unit with any window lacking a vector is left out whole', () => {
    const { records, skipped } = recordsFromEntities({
      entities: [long, entity()],
      keys: ['src/parser.py:100', 'src/parser.py:12'],
      vectors: [
        [1, 0],
        [0.6, 0.8],
      ],
      texts: ['t', 'whole'],
      digests: ['d', 'dw'],
      windows: [[window(100, 109), window(108, 119, null)], []],
    });
    expect(skipped).toEqual(['src/parser.py:100']);
    // An empty window list means the unit was embedded whole.
    expect(records.map((r) => [r.locationKey, r.window, r.text])).toEqual([['src/parser.py:12', 0, 'whole']]);
  });

  it('windows must be parallel to entities', () => {
    const call = () =>
      recordsFromEntities({
        entities: [entity()],
        keys: ['a:1'],
        vectors: [[1]],
        texts: ['t'],
        digests: ['d'],
        windows: [],
      });
    expect(call).toThrow('[store] recordsFromEntities: windows has 0 items for 1 entities');
  });
});

describe('sourcePreview', () => {
  it('keeps the first lines, drops trailing blanks, caps the length', () => {
    const code = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    expect(sourcePreview(code)).toBe(Array.from({ length: 8 }, (_, i) => `line ${i}`).join('\n'));
    expect(sourcePreview(code, 2)).toBe('line 0\nline 1');
    expect(sourcePreview('a\r\nb\n\n\n', 5)).toBe('a\nb');
    const long = sourcePreview('x'.repeat(5000));
    expect(long).toHaveLength(600);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('helpers', () => {
  it('defaultIndexDir is <root>/.codesearch/index, absolute', () => {
    expect(defaultIndexDir('/repo')).toBe('/repo/.codesearch/index');
    expect(defaultIndexDir('rel')).toBe(`${process.cwd()}/rel/.codesearch/index`);
  });

  it('SQL literals double their quotes', () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlIn('language', ['go', "o'k"])).toBe("language IN ('go', 'o''k')");
  });
});
