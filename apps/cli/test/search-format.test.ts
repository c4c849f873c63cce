import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RankedHit } from '@codesearch/search';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HitLines } from '../src/hit-lines.js';
import {
  displayPath,
  formatAnswers,
  formatHit,
  formatScore,
  grepLine,
  type HitStyle,
  parseQueries,
  relativeScore,
} from '../src/search-format.js';

// A real tree on disk; hits are written by hand from its line numbers.
const APP = [
  'import json', // 1
  '', // 2
  'class Parser:', // 3
  '    def parse_file(self, path):', // 4
  '        """Parse one file."""', // 5
  '        with open(path) as f:', // 6
  '            return json.load(f)', // 7
  '', // 8
  'def helper():', // 9
  '    return 1', // 10
].join('\n');
const OTHER = ['def parse_all(paths):', '    return [parse(p) for p in paths]'].join('\n');

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'codesearch-search-format-'));
  await mkdir(path.join(root, 'src'), { recursive: true });
  await writeFile(path.join(root, 'src', 'app.py'), `${APP}\n`);
  await writeFile(path.join(root, 'src', 'other.py'), `${OTHER}\n`);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function hit(fields: Partial<RankedHit>): RankedHit {
  return {
    locationKey: 'src/app.py:4',
    filePath: 'src/app.py',
    lineNumber: 4,
    endLine: 7,
    matchStart: 4,
    matchEnd: 7,
    qualifiedName: 'Parser.parse_file',
    name: 'parse_file',
    kind: 'method',
    language: 'python',
    score: 0.5,
    explanation: [{ signal: 'vector', detail: 'rank 1, cosine 0.700', effect: '+0.667' }],
    sourcePreview: 'def parse_file(self, path):\n    """Parse one file."""',
    ...fields,
  };
}

const parseFile = hit({});
const helper = hit({
  locationKey: 'src/app.py:9',
  lineNumber: 9,
  endLine: 10,
  matchStart: 9,
  matchEnd: 10,
  qualifiedName: 'helper',
  name: 'helper',
  kind: 'function',
  score: 0.1,
});
const parseAll = hit({
  locationKey: 'src/other.py:1',
  filePath: 'src/other.py',
  lineNumber: 1,
  endLine: 2,
  matchStart: 1,
  matchEnd: 2,
  qualifiedName: 'parse_all',
  name: 'parse_all',
  kind: 'function',
  score: 0.4,
});
const answer = { query: 'parse a file', hits: [parseFile, parseAll, helper] };
const noStale = new Map();

describe('parseQueries', () => {
  it('takes one query per line, trimmed, skipping blank lines and CRLF endings', () => {
    expect(parseQueries('first query\n\n   \n  second one  \r\nthird\r\n')).toEqual([
      'first query',
      'second one',
      'third',
    ]);
    expect(parseQueries('\n \n')).toEqual([]);
  });
});

describe('scores and paths', () => {
  it('a relative score is the share of the best score; the best is 1', () => {
    expect(relativeScore(0.5, 0.5)).toBe(1);
    expect(relativeScore(0.1, 0.5)).toBeCloseTo(0.2);
    expect(relativeScore(0, 0)).toBe(1);
    expect(relativeScore(-0.2, -0.1)).toBe(0);
    expect(formatScore(19.011816024780273)).toBe('19.01');
  });

  it('shows a root-relative path relative to the current directory', () => {
    expect(displayPath('/repo', 'src/app.py', '/repo')).toBe('src/app.py');
    expect(displayPath('/repo', 'src/app.py', '/repo/src')).toBe('app.py');
    expect(displayPath('/repo', 'src/app.py', '/elsewhere')).toBe('../repo/src/app.py');
  });
});

/** Lines 4-6 of APP as a hit shows them, 4 and 5 holding query words. */
const SHOWN: HitLines = {
  start: 4,
  end: 6,
  lines: APP.split('\n').slice(3, 6),
  marked: [4, 5],
  source: 'file',
};

describe('formatHit', () => {
  const shown = SHOWN;

  it('location, name, kind, relative score; then numbered lines, `:` with query words, `-` without', () => {
    expect(
      formatHit(parseFile, { location: 'src/app.py', relative: 0.8, lines: shown, terms: ['parse', 'file'] }),
    ).toEqual([
      'src/app.py:4-7  Parser.parse_file (method)  0.80',
      '  4:     def parse_file(self, path):',
      '  5:         """Parse one file."""',
      '  6-         with open(path) as f:',
    ]);
  });

  it('flags a stale file, lists folded units, and with explain the raw score and signals', () => {
    const folded = { ...parseFile, folded: [{ qualifiedName: 'Parser.inner', lineNumber: 5, endLine: 6 }] };
    const lines = formatHit(folded, {
      location: 'src/app.py',
      relative: 1,
      lines: { ...shown, lines: [], end: 3 },
      terms: [],
      freshness: 'deleted',
      explain: true,
    });
    expect(lines).toEqual([
      'src/app.py:4-7  Parser.parse_file (method)  [file deleted since indexed]  1.00',
      '  also matched inside: Parser.inner (5-6)',
      '  score 0.5:',
      '     +0.667  vector: rank 1, cosine 0.700',
    ]);
  });

  it('highlights the query words with the style', () => {
    const style: HitStyle = {
      location: (t) => `<${t}>`,
      name: (t) => `*${t}*`,
      detail: (t) => t,
      lineNumber: (t) => `#${t}`,
      match: (t) => `[${t}]`,
    };
    const lines = formatHit(parseFile, {
      location: 'a.py',
      relative: 1,
      lines: shown,
      terms: ['parse', 'file'],
      style,
    });
    expect(lines[0]).toBe('<a.py:4-7>  *Parser.parse_file* (method)  1.00');
    expect(lines[1]).toBe('  #4:     def [parse]_[file](self, path):');
    expect(lines[2]).toBe('  #5:         """[Parse] one [file]."""');
  });
});

describe('grepLine', () => {
  it('gives the shown line with the most different query words, the first of equals', () => {
    const shown = SHOWN;
    expect(grepLine('src/app.py', shown, ['parse', 'file'])).toBe(
      'src/app.py:4: def parse_file(self, path):',
    );
    expect(grepLine('src/app.py', shown, ['one', 'parse'])).toBe('src/app.py:5: """Parse one file."""');
    expect(grepLine('x.py', { ...shown, marked: [] }, ['zebra'])).toBe('x.py:4: def parse_file(self, path):');
  });
});

describe('formatAnswers', () => {
  it('human: each hit with its lines read from the file, paths relative to cwd, blank lines between', async () => {
    const printed = await formatAnswers([answer], noStale, {
      format: 'human',
      root,
      cwd: path.join(root, 'src'),
    });
    expect(printed.shown).toBe(3);
    expect(printed.lines).toEqual([
      'app.py:4-7  Parser.parse_file (method)  1.00',
      '  4:     def parse_file(self, path):',
      '  5:         """Parse one file."""',
      '  6-         with open(path) as f:',
      '  7-             return json.load(f)',
      '',
      'other.py:1-2  parse_all (function)  0.80',
      '  1: def parse_all(paths):',
      '  2:     return [parse(p) for p in paths]',
      '',
      'app.py:9-10  helper (function)  0.20',
      '   9- def helper():',
      '  10-     return 1',
    ]);
  });

  it('--min-score leaves out hits below the share; nothing left counts as nothing found', async () => {
    const printed = await formatAnswers([answer], noStale, {
      format: 'grep',
      root,
      cwd: root,
      minScore: 0.5,
    });
    expect(printed).toEqual({
      lines: ['src/app.py:4: def parse_file(self, path):', 'src/other.py:1: def parse_all(paths):'],
      shown: 2,
    });
    const none = await formatAnswers([{ query: 'q', hits: [] }], noStale, {
      format: 'human',
      root,
      cwd: root,
    });
    expect(none).toEqual({ lines: ['no results'], shown: 0 });
  });

  it('--files: distinct files in order of first appearance', async () => {
    const printed = await formatAnswers([answer], noStale, { format: 'files', root, cwd: root });
    expect(printed.lines).toEqual(['src/app.py', 'src/other.py']);
  });

  it('several queries: a header each in human output', async () => {
    const printed = await formatAnswers([answer, { query: 'zebra', hits: [] }], noStale, {
      format: 'human',
      root,
      cwd: root,
      maxLines: 1,
    });
    expect(printed.lines[0]).toBe('query: parse a file');
    expect(printed.lines.slice(-3)).toEqual(['', 'query: zebra', 'no results']);
  });

  it('json: root, raw and relative scores, the lines shown, the stale flag; -C widens the lines', async () => {
    const stale = new Map([['src/other.py', 'changed' as const]]);
    const printed = await formatAnswers([answer], stale, { format: 'json', root, context: 1, maxLines: 1 });
    expect(printed.lines).toHaveLength(1);
    const line = JSON.parse(printed.lines[0]!);
    expect(line.query).toBe('parse a file');
    expect(line.root).toBe(root);
    expect(line.results[0]).toEqual({
      filePath: 'src/app.py',
      lineNumber: 4,
      endLine: 7,
      qualifiedName: 'Parser.parse_file',
      name: 'parse_file',
      kind: 'method',
      language: 'python',
      score: 0.5,
      relativeScore: 1,
      matchStart: 4,
      matchEnd: 7,
      lines: { start: 4, end: 5, text: '    def parse_file(self, path):\n        """Parse one file."""' },
    });
    // A stale file's lines come from the index's preview.
    expect(line.results[1]).toMatchObject({ stale: 'changed', relativeScore: 0.8 });
    expect(line.results[1].lines).toEqual({ start: 1, end: 2, text: parseAll.sourcePreview });
    expect(line.results[2]).not.toHaveProperty('stale');
    expect(line.results[2]).not.toHaveProperty('explanation');
  });
});
