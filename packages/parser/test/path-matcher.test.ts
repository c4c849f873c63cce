import { describe, expect, it } from 'vitest';
import { pathFilter, pathMatcher } from '../src/index.js';
import { makeTree, walk } from './tree.js';

const PY = 'def f():\n    return 1\n';

// Search filters hits with the same flags as the walk: the walk of a real tree is the reference.
const files: Record<string, string> = {
  'app.py': PY,
  'src/core.py': PY,
  'src/core.test.py': PY,
  'src/deep/tests/helper.py': PY,
  'src/.hidden/x.py': PY,
  'tests/test_core.py': PY,
  'scripts/run.py': PY,
  'sub/scripts/run.py': PY,
  'web/app.ts': 'export function f() {}\n',
  'web/keep.test.ts': 'export function f() {}\n',
  'web/drop.test.ts': 'export function f() {}\n',
};

const cases: Array<{ include?: string[]; exclude?: string[] }> = [
  {},
  { include: ['src/**'] },
  { include: ['src/'] },
  { include: ['*.py'] },
  { include: ['/app.py', 'web/*.ts'] },
  { exclude: ['tests/'] },
  { exclude: ['/scripts'] },
  { exclude: ['*.test.*', '!keep.test.ts'] },
  { exclude: ['src/deep'] },
  { include: ['src/**', 'web/**'], exclude: ['*.test.*'] },
];

describe('pathMatcher', () => {
  it('accepts exactly the files the walk keeps with the same include and exclude', async () => {
    const root = await makeTree(files);
    const all = (await walk(root)).files;
    expect(all).toHaveLength(Object.keys(files).length);
    for (const options of cases) {
      const walked = (await walk(root, options)).files;
      const matcher = pathMatcher(options);
      expect(all.filter(matcher), JSON.stringify(options)).toEqual(walked);
    }
  });

  it('spells out the semantics: anchoring, directories, negation', () => {
    expect(pathMatcher({ exclude: ['tests/'] })('src/deep/tests/helper.py')).toBe(false);
    expect(pathMatcher({ exclude: ['/scripts'] })('sub/scripts/run.py')).toBe(true);
    expect(pathMatcher({ exclude: ['/scripts'] })('scripts/run.py')).toBe(false);
    expect(pathMatcher({ include: ['*.py'] })('a/b/c.py')).toBe(true);
    expect(pathMatcher({ include: ['src/**'] })('lib/src/x.py')).toBe(false);
    expect(pathMatcher({ exclude: ['*.test.ts', '!keep.test.ts'] })('web/keep.test.ts')).toBe(true);
    expect(pathMatcher({})('anything/at/all.go')).toBe(true);
  });

  it('pathFilter is no filter at all without patterns, and pathMatcher with some', () => {
    expect(pathFilter({})).toBeUndefined();
    expect(pathFilter({ include: [], exclude: undefined })).toBeUndefined();
    const filter = pathFilter({ exclude: ['tests/'] })!;
    expect(filter('tests/a.py')).toBe(false);
    expect(filter('src/a.py')).toBe(true);
  });
});
