import type { SearchHit } from '@codesearch/store';
import { describe, expect, it } from 'vitest';
import { indexHint } from '../src/index-location.js';
import { formatHit, formatResults, formatScore, jsonLine, parseQueries } from '../src/search-format.js';
import { staleness } from '../src/status-command.js';

const hit: SearchHit = {
  locationKey: 'src/app.py:12',
  filePath: 'src/app.py',
  lineNumber: 12,
  endLine: 20,
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
        },
      ],
    });
  });
  it('keeps a query with quotes and newlines intact', () => {
    expect(JSON.parse(jsonLine('say "hi"\tnow', [])).query).toBe('say "hi"\tnow');
  });
});

describe('human output', () => {
  it('shows rank, score, file:line, qualified name and kind, then three lines of code', () => {
    expect(formatHit(hit, 1)).toEqual([
      '1. 0.03279  src/app.py:12  Parser.parse_file (method)',
      '    def parse_file(self, path):',
      '        """Parse one file."""',
      '        with open(path) as f:',
    ]);
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
});

describe('staleness', () => {
  const stats = { files: 2, updatedAt: '2025-01-01T00:00:10.000Z' };
  const at = (seconds: number) => Date.parse('2025-01-01T00:00:00.000Z') + seconds * 1000;
  it('is fresh when no file changed after the last write and the file count matches', () => {
    const result = staleness(
      [
        { filePath: 'a.py', entities: 2, mtimeMs: at(5) },
        { filePath: 'b.py', entities: 1, mtimeMs: at(9) },
        { filePath: 'empty.py', entities: 0, mtimeMs: at(1) },
      ],
      stats,
    );
    expect(result).toMatchObject({
      stale: false,
      changedFiles: [],
      treeFiles: 2,
      indexFiles: 2,
      treeEntities: 3,
    });
  });
  it('is stale when a file was modified after the last write, naming it', () => {
    const result = staleness(
      [
        { filePath: 'a.py', entities: 2, mtimeMs: at(11) },
        { filePath: 'b.py', entities: 1, mtimeMs: at(9) },
      ],
      stats,
    );
    expect(result).toMatchObject({ stale: true, changedFiles: ['a.py'], changedFileCount: 1 });
  });
  it('is stale when a file was deleted (fewer files with entities than indexed)', () => {
    expect(staleness([{ filePath: 'a.py', entities: 2, mtimeMs: at(1) }], stats).stale).toBe(true);
  });
});
