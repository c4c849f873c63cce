import { describe, expect, it } from 'vitest';
import { type IndexRecord, planSync } from '../src/index.js';
import { record } from './helpers.js';

/** A record at `key` (file:line) with digest `digest`. */
function at(key: string, digest: string): IndexRecord {
  const [file, line] = key.split(':') as [string, string];
  return record({ file, line: Number(line), name: `f${line}`, digest });
}

function plan(existing: Record<string, string>, records: IndexRecord[]) {
  const result = planSync(new Map(Object.entries(existing)), records);
  return { ...result, upserts: result.upserts.map((r) => r.locationKey) };
}

describe('planSync', () => {
  it('nothing changed: all unchanged, nothing to write', () => {
    expect(plan({ 'a:1': 'A', 'a:5': 'B' }, [at('a:1', 'A'), at('a:5', 'B')])).toEqual({
      counts: { added: 0, updated: 0, relocated: 0, removed: 0, unchanged: 2 },
      upserts: [],
      deletes: [],
    });
  });

  it('new, edited and deleted rows', () => {
    expect(
      plan({ 'a:1': 'A', 'a:5': 'B', 'b:1': 'C' }, [at('a:1', 'A'), at('a:5', 'B2'), at('c:1', 'D')]),
    ).toEqual({
      counts: { added: 1, updated: 1, relocated: 0, removed: 1, unchanged: 1 },
      upserts: ['a:5', 'c:1'],
      deletes: ['b:1'],
    });
  });

  it('lines inserted above: every digest moves, one onto a key another row had — all relocated', () => {
    // A at 1 → 4, B at 4 → 7, C at 9 → 12.
    expect(
      plan({ 'a:1': 'A', 'a:4': 'B', 'a:9': 'C' }, [at('a:4', 'A'), at('a:7', 'B'), at('a:12', 'C')]),
    ).toEqual({
      counts: { added: 0, updated: 0, relocated: 3, removed: 0, unchanged: 0 },
      upserts: ['a:4', 'a:7', 'a:12'],
      deletes: ['a:1', 'a:9'],
    });
  });

  it('a digest kept at its old key is not relocated: a copy of it elsewhere is added', () => {
    expect(plan({ 'a:1': 'A' }, [at('a:1', 'A'), at('a:9', 'A')]).counts).toEqual({
      added: 1,
      updated: 0,
      relocated: 0,
      removed: 0,
      unchanged: 1,
    });
  });

  it('content moved onto a key whose old content moved away: the newcomer there is added', () => {
    // Old: A at 1, B at 5. New: B at 1 (relocated from 5), X at 5 (new; 5's old row moved to 1).
    expect(plan({ 'a:1': 'A', 'a:5': 'B' }, [at('a:1', 'B'), at('a:5', 'X')]).counts).toEqual({
      added: 1,
      updated: 0,
      relocated: 1,
      removed: 1, // A
      unchanged: 0,
    });
  });

  it('two old rows with one digest pair with two new keys in order; a third is added', () => {
    const result = plan({ 'a:1': 'D', 'a:2': 'D' }, [at('a:11', 'D'), at('a:12', 'D'), at('a:13', 'D')]);
    expect(result.counts).toEqual({ added: 1, updated: 0, relocated: 2, removed: 0, unchanged: 0 });
    expect(result.deletes).toEqual(['a:1', 'a:2']);
  });

  it('every old row and every record is counted exactly once', () => {
    const existing: Record<string, string> = {};
    for (let i = 0; i < 40; i++) existing[`f${i % 4}:${i}`] = `d${i % 13}`;
    const records: IndexRecord[] = [];
    for (let i = 0; i < 50; i += 2) records.push(at(`f${i % 5}:${i + (i % 3)}`, `d${(i * 7) % 17}`));
    const { counts } = planSync(new Map(Object.entries(existing)), records);
    expect(counts.unchanged + counts.relocated + counts.updated + counts.added).toBe(records.length);
    expect(counts.unchanged + counts.relocated + counts.updated + counts.removed).toBe(40);
  });

  it('an empty desired state removes everything; an empty index adds everything', () => {
    expect(plan({ 'a:1': 'A', 'b:2': 'B' }, [])).toEqual({
      counts: { added: 0, updated: 0, relocated: 0, removed: 2, unchanged: 0 },
      upserts: [],
      deletes: ['a:1', 'b:2'],
    });
    expect(plan({}, [at('a:1', 'A')]).counts).toMatchObject({ added: 1 });
  });
});
