import type { CodeEntity, LocationKey } from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { type IndexRecord, openCodeIndex, type RecordWindow, recordsFromEntities } from '../src/index.js';
import { MODEL, record, tempDir, track, unit, withTable } from './helpers.js';

/** A 30-line function starting at `line`: line i of its body says `step_<i>`. */
function longEntity(line: number): CodeEntity {
  const body = Array.from({ length: 29 }, (_, i) => `    step_${i + 1}()`);
  return {
    kind: 'method',
    name: 'run_all',
    qualifiedName: 'Runner.run_all',
    parent: 'Runner',
    filePath: 'src/runner.py',
    lineNumber: line,
    endLine: line + 29,
    language: 'python',
    sourceCode: ['def run_all(self):', ...body].join('\n'),
  };
}

/** Windows of 12 lines overlapping by 2, as text-prep cuts them; window j's vector points along axis j. */
function windowsOf(entity: CodeEntity, count: number): RecordWindow[] {
  return Array.from({ length: count }, (_, j) => {
    const startLine = entity.lineNumber + j * 10;
    const endLine = Math.min(entity.endLine, startLine + 11);
    return {
      startLine,
      endLine,
      // Window texts carry no line numbers: a moved unit keeps its digests.
      text: `python method Runner.run_all\npath: src/runner.py\nwindow ${j} words${j === 2 ? ' teardown' : ''}`,
      digest: `digest:run_all:${count}:${j}`,
      vector: unit(...Array.from({ length: j + 1 }, (_, i) => (i === j ? 1 : 0)), 0.1),
    };
  });
}

function build(entity: CodeEntity, windows: number): IndexRecord[] {
  const key = `${entity.filePath}:${entity.lineNumber}` as LocationKey;
  if (windows === 1) return whole(entity, key);
  const { records, skipped } = recordsFromEntities({
    entities: [entity],
    keys: [key],
    vectors: [null], // the whole-unit vector is not used when windows are given
    texts: [null],
    digests: [null],
    windows: [windowsOf(entity, windows)],
  });
  expect(skipped).toEqual([]);
  return records;
}

/** A unit embedded whole: one row from vectors/texts/digests (`windows` absent). */
function whole(entity: CodeEntity, key: LocationKey): IndexRecord[] {
  const [first] = windowsOf(entity, 1);
  return recordsFromEntities({
    entities: [entity],
    keys: [key],
    vectors: [first!.vector],
    texts: [first!.text],
    digests: [first!.digest],
  }).records;
}

const other = () => record({ file: 'src/other.py', line: 1, name: 'helper', vector: unit(0, 0, 0, 0, 1) });

async function rowsOnDisk(dir: string) {
  const rows = await withTable(dir, (table) =>
    table.query().select(['locationKey', 'window', 'windowStart', 'windowEnd']).toArray(),
  );
  return rows.map((row) => `${row.locationKey}#${row.window}:${row.windowStart}-${row.windowEnd}`).sort();
}

describe('one row per window', () => {
  it('a unit with 3 windows is 3 rows; search returns it once, with the best window', async () => {
    const dir = await tempDir();
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    const records = [...build(longEntity(10), 3), other()];
    expect(await index.sync(records)).toMatchObject({ added: 4, written: true });
    expect(await rowsOnDisk(dir)).toEqual([
      'src/other.py:1#0:1-2',
      'src/runner.py:10#0:10-21',
      'src/runner.py:10#1:20-31',
      'src/runner.py:10#2:30-39',
    ]);
    expect(await index.stats()).toMatchObject({ entities: 2, rows: 4, files: 2, languages: { python: 2 } });

    // The query points along window 2's axis: window 2 ranks first, window 1 and 0 after it.
    const query = unit(0, 0, 1);
    for (const mode of ['vector', 'hybrid'] as const) {
      const hits = await index.search({ text: 'run all', vector: query }, { mode, k: 10 });
      expect(hits.map((hit) => hit.locationKey)).toEqual(['src/runner.py:10', 'src/other.py:1']);
      expect(hits[0]).toMatchObject({
        window: 2,
        windowStart: 30,
        windowEnd: 39,
        lineNumber: 10,
        endLine: 39,
        parent: 'Runner',
        qualifiedName: 'Runner.run_all',
      });
      // The preview is window 2's own first lines (file line 30 = body line 20).
      expect(hits[0]!.sourcePreview?.split('\n')[0]).toBe('    step_20()');
    }
    const lexical = await index.search({ text: 'teardown' }, { mode: 'lexical' });
    expect(lexical).toHaveLength(1);
    expect(lexical[0]).toMatchObject({ locationKey: 'src/runner.py:10', window: 2, windowStart: 30 });
    // k counts units, not rows: k = 2 gives both units although the runner fills 3 rows.
    const two = await index.search({ text: '', vector: query }, { mode: 'vector', k: 2 });
    expect(two.map((hit) => hit.locationKey)).toEqual(['src/runner.py:10', 'src/other.py:1']);
  });

  it('a sync where the unit shrinks to 1 window removes the 2 extra rows', async () => {
    const dir = await tempDir();
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await index.sync([...build(longEntity(10), 3), other()]);
    const shrunk = build(longEntity(10), 1);
    const report = await index.sync([...shrunk, other()]);
    // Window 0 got new content (another digest), windows 1 and 2 are gone.
    expect(report).toMatchObject({ updated: 1, removed: 2, unchanged: 1, added: 0, relocated: 0 });
    expect(await rowsOnDisk(dir)).toEqual(['src/other.py:1#0:1-2', 'src/runner.py:10#0:10-39']);
    expect(await index.stats()).toMatchObject({ entities: 2, rows: 2 });
    expect(await index.digests()).toEqual(new Set([shrunk[0]!.contentDigest, other().contentDigest]));
  });

  it('a windowed unit that moved is relocated row by row: nothing added, updated or removed', async () => {
    const dir = await tempDir();
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await index.sync([...build(longEntity(10), 3), other()]);
    const moved = build(longEntity(15), 3);
    expect(await index.sync([...moved, other()])).toMatchObject({
      relocated: 3,
      unchanged: 1,
      added: 0,
      updated: 0,
      removed: 0,
    });
    expect(await rowsOnDisk(dir)).toEqual([
      'src/other.py:1#0:1-2',
      'src/runner.py:15#0:15-26',
      'src/runner.py:15#1:25-36',
      'src/runner.py:15#2:35-44',
    ]);
    expect(await index.sync([...moved, other()])).toMatchObject({ unchanged: 4, written: false });
  });

  it('a unit whose windows lack window 0 is refused, naming it', async () => {
    const index = track(await openCodeIndex(await tempDir(), { model: MODEL }));
    const [, second] = build(longEntity(10), 3);
    await expect(index.sync([second!])).rejects.toThrow(
      /record 0 \(src\/runner\.py:10 window 1\): the unit has no window 0/,
    );
  });
});

describe('full-text coverage of a unit embedded as windows', () => {
  it('finds a windowed unit by a word of its code that no window text holds', async () => {
    // The window texts above say only "window j words"; step_17 is in the code alone.
    const entity = longEntity(5);
    const index = track(await openCodeIndex(await tempDir(), { model: MODEL }));
    await index.sync(build(entity, 3));
    const found = await index.lexicalCandidates('step_17', { depth: 5 });
    expect(found.map((row) => [row.locationKey, row.window])).toEqual([['src/runner.py:5', 0]]);
  });
});
