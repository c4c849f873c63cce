import { describe, expect, it } from 'vitest';
import type { RefreshReport } from '../refresh.js';
import { clock, notRefreshedLine, refreshedJson, refreshedLine } from './refresh-line.js';

function report(overrides: Partial<RefreshReport>): RefreshReport {
  return {
    indexed: [],
    removed: [],
    changes: { added: 0, changed: 0, deleted: 0, renamed: 0 },
    embedded: 0,
    units: 0,
    errors: [],
    whole: false,
    ms: 0,
    ...overrides,
  };
}

describe('refresh lines', () => {
  const at = new Date(2026, 10, 29, 9, 3, 4);

  it('prints the time, the files by kind and the totals', () => {
    const line = refreshedLine(
      at,
      report({ units: 14, embedded: 2, ms: 180, changes: { added: 0, changed: 2, deleted: 1, renamed: 0 } }),
    );
    expect(line).toBe('09:03:04 re-indexed 3 files (2 changed, 1 deleted): 14 units, 2 embedded, 180 ms');
  });

  it('says when the whole tree was indexed (no index before)', () => {
    const line = refreshedLine(
      at,
      report({
        indexed: ['a.py', 'b.py'],
        units: 1,
        embedded: 1,
        ms: 900,
        whole: true,
        changes: { added: 2, changed: 0, deleted: 0, renamed: 0 },
      }),
    );
    expect(line).toBe('09:03:04 indexed the tree: 2 files, 1 unit, 1 embedded, 900 ms');
  });

  it('says why the index was left as it was and when it is tried again', () => {
    expect(notRefreshedLine(at, 'another codesearch process is writing the index', 4_000)).toBe(
      '09:03:04 not re-indexed: another codesearch process is writing the index; retrying in 4 s (or at the next change)',
    );
  });

  it('has the paths, counts and parse errors in --json', () => {
    const json = refreshedJson(
      at,
      report({
        indexed: ['a.py'],
        removed: ['b.py'],
        changes: { added: 0, changed: 1, deleted: 1, renamed: 0 },
        units: 3,
        embedded: 1,
        ms: 50,
        errors: ['a.py: bad'],
      }),
    );
    expect(json).toMatchObject({
      type: 'refresh',
      state: 'refreshed',
      time: at.toISOString(),
      files: 2,
      changed: 1,
      deleted: 1,
      indexed: ['a.py'],
      removed: ['b.py'],
      errors: ['a.py: bad'],
    });
  });

  it('pads the clock', () => {
    expect(clock(new Date(2026, 0, 1, 0, 5, 9))).toBe('00:05:09');
  });
});
