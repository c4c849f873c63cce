import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type IndexRecord, openCodeIndex } from '../src/index.js';
import { sqlIn } from '../src/sql.js';
import { MODEL, record, tempDir, track, unit, withTable } from './helpers.js';

const records: IndexRecord[] = Array.from({ length: 6 }, (_, i) =>
  record({ file: `f${i % 2}.py`, line: i * 10 + 1, name: `fn_${i}`, vector: unit(1, i) }),
);

/** Every location key and how many rows it is on, read through LanceDB itself. */
async function keyCounts(dir: string): Promise<Map<string, number>> {
  const rows = await withTable(dir, (table) => table.query().select(['locationKey']).toArray());
  const counts = new Map<string, number>();
  for (const row of rows)
    counts.set(row.locationKey as string, (counts.get(row.locationKey as string) ?? 0) + 1);
  return counts;
}

describe('duplicate repair', () => {
  it('keys stored on more than one row (as concurrent writers once left them) end on exactly one row', async () => {
    const dir = join(await tempDir(), 'idx');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await index.sync(records);
    // Duplicate three rows on purpose, as a second writer appending the same rows would.
    const twice = records.slice(0, 3).map((r) => r.locationKey);
    await withTable(dir, async (table) => {
      const copies = await table.query().where(sqlIn('locationKey', twice)).toArrow();
      await table.add(copies);
    });
    expect((await keyCounts(dir)).get(twice[0]!)).toBe(2);
    expect(await withTable(dir, (table) => table.countRows())).toBe(9);
    const rows = await index.vectorCandidates(unit(1, 0), { depth: 100 });
    expect(rows).toHaveLength(9); // every duplicated row is a candidate twice

    const report = await index.sync(records);
    expect(report).toMatchObject({ repaired: 3, unchanged: 6, added: 0, removed: 0, written: true });
    const counts = await keyCounts(dir);
    expect([...counts.keys()].sort()).toEqual(records.map((r) => r.locationKey).sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(await index.vectorCandidates(unit(1, 0), { depth: 100 })).toHaveLength(6);
    expect(await index.sync(records)).toMatchObject({ repaired: 0, written: false });
  });

  it('a duplicate with other content is resolved to the record given', async () => {
    const dir = join(await tempDir(), 'idx');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await index.sync(records);
    const edited = record({
      file: 'f0.py',
      line: 1,
      name: 'fn_0',
      body: 'def fn_0():\n    return 2',
      vector: unit(0, 0, 1),
    });
    // An extra row at f0.py:1 with the edited content, beside the original.
    const otherDir = join(await tempDir(), 'other');
    const other = await openCodeIndex(otherDir, { model: MODEL });
    await other.sync([edited]);
    await other.close();
    const extra = await withTable(otherDir, (table) => table.query().toArrow());
    await withTable(dir, (table) => table.add(extra));
    expect((await keyCounts(dir)).get('f0.py:1')).toBe(2);

    const report = await index.sync([edited, ...records.slice(1)]);
    expect(report.repaired).toBe(1);
    expect(report.added + report.updated + report.relocated + report.unchanged).toBe(6);
    expect((await keyCounts(dir)).get('f0.py:1')).toBe(1);
    const [top] = await index.search({ text: '', vector: unit(0, 0, 1) }, { mode: 'vector', k: 1 });
    expect(top).toMatchObject({ locationKey: 'f0.py:1' });
    expect(top!.score).toBeCloseTo(1, 5);
    expect(await index.digests()).toEqual(new Set([edited, ...records.slice(1)].map((r) => r.contentDigest)));
  });
});
