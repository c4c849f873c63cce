import type { TreeChanges } from '@codesearch/batch';
import type { RankedHit } from '@codesearch/search';
import type { StoredManifest } from '@codesearch/store';
import { describe, expect, it } from 'vitest';
import { indexHint } from '../src/index-location.js';
import { formatHit, formatResults, formatScore, jsonLine, parseQueries } from '../src/search-format.js';
import { describeStaleness, staleness } from '../src/status-command.js';

const hit: RankedHit = {
  locationKey: 'src/app.py:12',
  filePath: 'src/app.py',
  lineNumber: 12,
  endLine: 20,
  matchStart: 12,
  matchEnd: 20,
  explanation: [{ signal: 'vector', detail: 'rank 1, cosine 0.700', effect: '+0.667' }],
  qualifiedName: 'Parser.parse_file',
  name: 'parse_file',
  kind: 'method',
  language: 'python',
  score: 0.0327868852,
  docstring: 'Parse one file.',
  signature: 'def parse_file(self, path)',
  sourcePreview:
    'def parse_file(self, path):\n    """Parse one file."""\n    with open(path) as f:\n    return 4th',
};

describe('parseQueries', () => {
  it('takes one query per line, trimmed, skipping blank lines and CRLF endings', () => {
    expect(parseQueries('first query\n\n   \n  second one  \r\nthird\r\n')).toEqual([
      'first query',
      'second one',
      'third',
    ]);
  });
  it('gives nothing for an empty file', () => {
    expect(parseQueries('')).toEqual([]);
    expect(parseQueries('\n \n')).toEqual([]);
  });
});

describe('jsonLine', () => {
  it('prints the query and exactly the documented fields of each hit, in order', () => {
    const line = jsonLine('parse a file', [hit]);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      query: 'parse a file',
      results: [
        {
          filePath: 'src/app.py',
          lineNumber: 12,
          endLine: 20,
          qualifiedName: 'Parser.parse_file',
          name: 'parse_file',
          kind: 'method',
          language: 'python',
          score: 0.0327868852,
          matchStart: 12,
          matchEnd: 20,
        },
      ],
    });
  });
  it('adds the explanation with --explain, and folded units when a hit has some', () => {
    const folded = { ...hit, folded: [{ qualifiedName: 'Parser.helper', lineNumber: 14, endLine: 15 }] };
    const [result] = JSON.parse(jsonLine('q', [folded], new Map(), true)).results;
    expect(result.explanation).toEqual(hit.explanation);
    expect(result.folded).toEqual(folded.folded);
    expect(JSON.parse(jsonLine('q', [hit])).results[0]).not.toHaveProperty('explanation');
  });
  it('marks a hit whose file changed or vanished since indexing, and only that one', () => {
    const other = { ...hit, filePath: 'src/other.py', locationKey: 'src/other.py:1' };
    const parsed = JSON.parse(jsonLine('q', [hit, other], new Map([['src/app.py', 'deleted' as const]])));
    expect(parsed.results[0].stale).toBe('deleted');
    expect(parsed.results[1]).not.toHaveProperty('stale');
    expect(formatHit(hit, 1, undefined, 'changed')[0]).toBe(
      '1. 0.03279  src/app.py:12-20  Parser.parse_file (method)  [file changed since indexed]',
    );
  });

  it('keeps a query with quotes and newlines intact', () => {
    expect(JSON.parse(jsonLine('say "hi"\tnow', [])).query).toBe('say "hi"\tnow');
  });
});

describe('human output', () => {
  it('shows rank, score, file:line-end, qualified name and kind, then three lines of code', () => {
    expect(formatHit(hit, 1)).toEqual([
      '1. 0.03279  src/app.py:12-20  Parser.parse_file (method)',
      '    def parse_file(self, path):',
      '        """Parse one file."""',
      '        with open(path) as f:',
    ]);
  });
  it('names the lines that matched when they are not the unit’s start, folded units, and with explain the signals', () => {
    const windowed = {
      ...hit,
      endLine: 400,
      matchStart: 380,
      matchEnd: 400,
      folded: [{ qualifiedName: 'Parser.helper', lineNumber: 14, endLine: 15 }],
    };
    const lines = formatHit(windowed, 2, undefined, undefined, true);
    expect(lines[0]).toBe('2. 0.03279  src/app.py:12-400  Parser.parse_file (method)');
    expect(lines[1]).toBe('    matched lines 380-400:');
    expect(lines).toContain('    also matched inside: Parser.helper (14-15)');
    expect(lines.at(-1)).toBe('       +0.667  vector: rank 1, cosine 0.700');
  });
  it('rounds scores to 4 significant digits', () => {
    expect(formatScore(19.011816024780273)).toBe('19.01');
    expect(formatScore(0.664300262928009)).toBe('0.6643');
  });
  it('a hit without preview is one line; no hits say so; several queries get a header', () => {
    const { sourcePreview: _, ...bare } = hit;
    expect(formatHit(bare, 3)).toHaveLength(1);
    expect(formatResults('q', [])).toEqual(['no results']);
    expect(formatResults('q', [bare], { header: true })[0]).toBe('query: q');
  });
});

describe('indexHint', () => {
  it('names the root, and the index only when one was given, quoting what the shell would split', () => {
    expect(indexHint('.', undefined)).toBe('codesearch index .');
    expect(indexHint('src', '/tmp/idx')).toBe('codesearch index src --index /tmp/idx');
    expect(indexHint("my repo's", undefined)).toBe(`codesearch index 'my repo'\\''s'`);
  });

  it('repeats the walk flags the index was built with, so following it keeps the same files', () => {
    expect(
      indexHint('.', undefined, {
        languages: ['python', 'go'],
        exclude: ['tests/', '*.gen.go'],
        include: ['src/**'],
        maxFileSize: 5 * 1024 * 1024,
        gitignore: false,
        defaultExcludes: false,
        followSymlinks: true,
      }),
    ).toBe(
      "codesearch index . --lang python,go --include 'src/**' --exclude tests/ --exclude '*.gen.go' --max-file-size 5m --no-gitignore --no-default-excludes --follow-symlinks",
    );
    expect(indexHint('.', undefined, { maxFileSize: 1500 })).toBe('codesearch index . --max-file-size 1500');
  });
});

describe('staleness', () => {
  const manifest = (consistent: boolean): StoredManifest => ({
    root: '/repo',
    walk: { languages: ['python'], maxFileSize: 5 * 1024 * 1024 },
    files: [],
    tableVersion: 3,
    writtenAt: '2026-01-01T00:00:00.000Z',
    consistent,
  });
  const none: TreeChanges = { added: [], changed: [], deleted: [], renamed: [], touched: 2, unchanged: 5 };

  it('is up to date when no file was added, changed, deleted or renamed (a touch is not a change)', () => {
    const state = staleness(manifest(true), none);
    expect(state).toMatchObject({
      stale: false,
      method: 'manifest',
      walkFlags: ['--lang', 'python', '--max-file-size', '5m'],
    });
    expect(describeStaleness(state, 'codesearch index .')).toBe('up to date (every file as indexed)');
  });

  it('is stale when files moved, and says what changed and how to refresh', () => {
    const state = staleness(manifest(true), {
      ...none,
      renamed: [{ from: 'a.py', to: 'b.py' }],
      added: ['c.py'],
    });
    expect(state.stale).toBe(true);
    expect(describeStaleness(state, 'codesearch index . --lang python')).toBe(
      'stale: 1 added, 1 renamed; run `codesearch index . --lang python`',
    );
  });

  it('is stale when the index was written after its manifest (an interrupted run)', () => {
    const state = staleness(manifest(false), none);
    expect(state.stale).toBe(true);
    expect(describeStaleness(state, 'codesearch index .')).toBe(
      'stale: the last index run did not finish; run `codesearch index .`',
    );
  });

  it('cannot judge an index without a manifest, and says so', () => {
    const state = staleness(undefined, undefined);
    expect(state).toMatchObject({ stale: true, method: 'none' });
    expect(describeStaleness(state, 'codesearch index .')).toMatch(
      /^unknown: the index has no file manifest/,
    );
  });
});
