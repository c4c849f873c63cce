import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RankedHit } from '@codesearch/search';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileLinesCache, hitLines, matchSpans, queryTerms } from '../src/hit-lines.js';

// A real file on disk; the hits are written by hand from its line numbers.
const SOURCE = [
  'import json', // 1
  '', // 2
  '', // 3
  'class ConfigLoader:', // 4
  '    """Loads settings."""', // 5
  '', // 6
  '    def load(self, path):', // 7
  '        with open(path) as handle:', // 8
  '            text = handle.read()', // 9
  '        data = json.loads(text)', // 10
  '        if not data:', // 11
  '            raise ValueError("empty")', // 12
  '        self.cache = data', // 13
  '        return data', // 14
  '', // 15
  '    def parseConfigFile(self, name):', // 16
  '        return self.load(name)', // 17
  '', // 18
].join('\n');

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'codesearch-hit-lines-'));
  await writeFile(path.join(root, 'loader.py'), `${SOURCE}\n`);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function hit(fields: Partial<RankedHit>): RankedHit {
  return {
    locationKey: 'loader.py:7',
    filePath: 'loader.py',
    lineNumber: 7,
    endLine: 14,
    matchStart: 7,
    matchEnd: 14,
    qualifiedName: 'ConfigLoader.load',
    name: 'load',
    kind: 'method',
    language: 'python',
    score: 1,
    explanation: [],
    ...fields,
  };
}

const lineOf = (line: number) => SOURCE.split('\n')[line - 1]!;

describe('queryTerms and matchSpans', () => {
  it('drops stop words and splits identifiers of the query into lower-case parts', () => {
    expect(queryTerms('how to parse the configFile')).toEqual(['parse', 'config', 'file']);
  });

  it('finds the parts of a line equal to a term, case-insensitively, or sharing its stem', () => {
    const line = '    def parseConfigFile(self, name):';
    expect(matchSpans(line, ['config'])).toEqual([[13, 19]]);
    // Adjacent matching parts of one identifier are one span.
    expect(matchSpans(line, ['parse', 'config'])).toEqual([[8, 19]]);
    // `loads` and `loader` meet `load` through the stem; `lo` is not a word of the line.
    expect(matchSpans('data = json.loads(text)', ['load'])).toEqual([[12, 17]]);
    expect(matchSpans('class ConfigLoader:', ['load'])).toEqual([[12, 18]]);
    expect(matchSpans('x = lo + loop', ['lo'])).toEqual([[4, 6]]);
    // Plurals the stem keeps apart: `users` and `user`, `classes` and `class`.
    expect(matchSpans('load_users(rows)', ['user'])).toEqual([[5, 10]]);
    expect(matchSpans('class User', ['users'])).toEqual([[6, 10]]);
    expect(matchSpans('all classes', ['class'])).toEqual([[4, 11]]);
    expect(matchSpans('a glass', ['glas'])).toEqual([]);
    expect(matchSpans('anything', [])).toEqual([]);
  });
});

describe('hitLines', () => {
  it('shows the lines with query words, read from the file, at most maxLines of them', async () => {
    const lines = await hitLines(root, hit({}), {
      query: 'raise an error when the data is empty',
      maxLines: 3,
    });
    // Lines 10-14 hold `data`; 12 also `empty`: the block starting at the first marked line wins.
    expect(lines).toEqual({
      start: 10,
      end: 12,
      lines: [lineOf(10), lineOf(11), lineOf(12)],
      marked: [10, 11, 12],
      source: 'file',
    });
  });

  it('prefers the block with the most marked lines', async () => {
    const lines = await hitLines(root, hit({}), { query: 'open text', maxLines: 2 });
    // `open` on 8, `text` on 9 and 10: 8-9 holds two, as does 9-10; the earliest wins.
    expect(lines).toMatchObject({ start: 8, end: 9, marked: [8, 9] });
  });

  it('widens by context each side, clamped to the unit', async () => {
    const lines = await hitLines(root, hit({}), { query: 'json', maxLines: 1, context: 2 });
    expect(lines).toMatchObject({ start: 8, end: 12, marked: [10] });
    expect(lines.lines).toEqual([lineOf(8), lineOf(9), lineOf(10), lineOf(11), lineOf(12)]);
    const clamped = await hitLines(root, hit({}), { query: 'return data', maxLines: 1, context: 5 });
    expect(clamped).toMatchObject({ start: 7, end: 14 });
  });

  it('stays within the best window of a long unit, and context may leave it for the unit', async () => {
    const windowed = hit({ lineNumber: 4, endLine: 17, matchStart: 13, matchEnd: 17 });
    // `load` is also on 4, 7 and 10, outside the window: not chosen.
    const lines = await hitLines(root, windowed, { query: 'load', maxLines: 6 });
    expect(lines).toMatchObject({ start: 13, end: 17, marked: [17] });
    const wider = await hitLines(root, windowed, { query: 'load', maxLines: 6, context: 6 });
    expect(wider).toMatchObject({ start: 7, end: 17, marked: [7, 10, 17] });
  });

  it('without query words shows the window’s first lines, dropping trailing blank ones', async () => {
    const lines = await hitLines(root, hit({ lineNumber: 4, endLine: 17, matchStart: 4, matchEnd: 17 }), {
      query: 'zebra',
      maxLines: 3,
    });
    expect(lines).toEqual({
      start: 4,
      end: 5,
      lines: [lineOf(4), lineOf(5)],
      marked: [],
      source: 'file',
    });
  });

  it('reads each file once for the hits that share a cache', async () => {
    const files: FileLinesCache = new Map();
    await hitLines(root, hit({}), { query: 'json', files });
    await hitLines(root, hit({ lineNumber: 16, endLine: 17, matchStart: 16, matchEnd: 17 }), {
      query: 'json',
      files,
    });
    expect([...files.keys()]).toEqual([path.join(root, 'loader.py')]);
  });

  it('falls back to the index preview when the file is stale, gone, or shorter than the hit', async () => {
    const preview =
      '    def load(self, path):\n        with open(path) as handle:\n            text = handle.read()';
    const stale = await hitLines(root, hit({ sourcePreview: preview }), { query: 'open text', stale: true });
    expect(stale).toEqual({
      start: 7,
      end: 9,
      lines: preview.split('\n'),
      marked: [8, 9],
      source: 'preview',
    });
    const gone = await hitLines(root, hit({ filePath: 'missing.py', sourcePreview: preview }), {
      query: 'open text',
      maxLines: 1,
    });
    expect(gone).toMatchObject({ start: 8, end: 8, lines: [preview.split('\n')[1]], source: 'preview' });
    const shorter = await hitLines(root, hit({ matchEnd: 40, endLine: 40, sourcePreview: preview }), {
      query: 'zebra',
    });
    expect(shorter).toMatchObject({ start: 7, end: 9, source: 'preview' });
    const nothing = await hitLines(root, hit({ filePath: 'missing.py' }), { query: 'open text' });
    expect(nothing).toEqual({ start: 7, end: 6, lines: [], marked: [], source: 'preview' });
  });
});
