import { describe, expect, it } from 'vitest';
import { type IndexRecord, openCodeIndex } from '../src/index.js';
import { MODEL, record, storeError, tempDir, track, unit } from './helpers.js';

// A partial sync (`SyncOptions.files`): what a refresh of a few changed files writes.

function tree(): IndexRecord[] {
  return [
    record({ file: 'a.py', line: 1, name: 'alpha', vector: unit(1, 0) }),
    record({ file: 'a.py', line: 5, name: 'beta', vector: unit(0, 1) }),
    record({ file: 'b.py', line: 1, name: 'gamma', vector: unit(1, 1) }),
    record({ file: 'c.py', line: 1, name: 'delta', vector: unit(0, 0, 1) }),
  ];
}

async function filled() {
  const index = track(await openCodeIndex(await tempDir(), { model: MODEL }));
  await index.sync(tree());
  return index;
}

async function names(index: Awaited<ReturnType<typeof filled>>): Promise<string[]> {
  const units = await index.units(['a.py:1', 'a.py:5', 'a.py:9', 'b.py:1', 'c.py:1', 'd.py:1']);
  return units.map((unit) => `${unit.filePath}:${unit.name}`);
}

describe('partial sync (options.files)', () => {
  it('replaces the rows of the listed files only, and removes those of listed files without records', async () => {
    const index = await filled();
    const report = await index.sync(
      [
        record({ file: 'a.py', line: 1, name: 'alpha', vector: unit(1, 0) }), // unchanged
        record({ file: 'a.py', line: 9, name: 'epsilon', vector: unit(0, 1, 1) }), // new
        record({ file: 'd.py', line: 1, name: 'zeta', vector: unit(1, 0, 1) }), // new file
      ],
      { files: ['a.py', 'b.py', 'd.py'] }, // b.py: deleted
    );
    expect(report).toMatchObject({ added: 2, updated: 0, relocated: 0, removed: 2, unchanged: 1 });
    // c.py was not listed: untouched, though the records do not mention it.
    expect(await names(index)).toEqual(['a.py:alpha', 'a.py:epsilon', 'c.py:delta', 'd.py:zeta']);
    expect((await index.stats()).entities).toBe(4);
  });

  it('relocates content moved between listed files (a rename) instead of adding it', async () => {
    const index = await filled();
    const moved = { ...record({ file: 'e.py', line: 1, name: 'gamma', vector: unit(1, 1) }) };
    moved.contentDigest = tree()[2]!.contentDigest;
    const report = await index.sync([moved], { files: ['b.py', 'e.py'] });
    expect(report).toMatchObject({ added: 0, relocated: 1, removed: 0 });
    expect((await index.units(['e.py:1', 'b.py:1'])).map((unit) => unit.filePath)).toEqual(['e.py']);
  });

  it('refuses a record outside the listed files, naming it, and writes nothing', async () => {
    const index = await filled();
    const before = (await index.stats()).version;
    const error = await storeError(
      index.sync([record({ file: 'z.py', line: 3, name: 'outside', vector: unit(1) })], { files: ['a.py'] }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('z.py:3');
    expect((await index.stats()).version).toBe(before);
  });

  it('needs an existing index: a first build is a whole sync', async () => {
    const index = track(await openCodeIndex(await tempDir(), { model: MODEL }));
    const error = await storeError(index.sync(tree(), { files: ['a.py', 'b.py', 'c.py'] }));
    expect(error.code).toBe('INDEX_NOT_FOUND');
    expect(error.message).toMatch(/build it whole/);
  });
});

describe('the index as a vector cache (vectorsByDigest) and units by id', () => {
  it('returns the stored vector of each known digest and nothing for the others', async () => {
    const index = await filled();
    const [alpha, , gamma] = tree();
    const found = await index.vectorsByDigest([alpha!.contentDigest, 'no-such-digest', gamma!.contentDigest]);
    expect([...found.keys()].sort()).toEqual([alpha!.contentDigest, gamma!.contentDigest].sort());
    expect(Array.from(found.get(gamma!.contentDigest)!)).toEqual(Array.from(unit(1, 1)));
  });

  it('returns units in the order asked, skipping unknown ids', async () => {
    const index = await filled();
    const units = await index.units(['c.py:1', 'nope.py:1', 'a.py:1']);
    expect(units.map((unit) => unit.qualifiedName)).toEqual(['delta', 'alpha']);
  });
});

describe('maintenance after partial syncs', () => {
  it('leaves a few new rows to the brute-force part of the full-text search: one version per sync, and they are found', async () => {
    const index = await filled();
    const before = (await index.stats()).version;
    await index.sync(
      [
        record({
          file: 'a.py',
          line: 1,
          name: 'alpha',
          body: 'def alpha():\n    return "zebracorn"',
          vector: unit(1, 0),
        }),
      ],
      {
        files: ['a.py'],
      },
    );
    // The merge commit only: no optimize() (compaction, index update) after a small refresh.
    expect((await index.stats()).version).toBe(before + 1);
    const found = await index.lexicalCandidates('zebracorn', { depth: 5 });
    expect(found.map((candidate) => candidate.locationKey)).toEqual(['a.py:1']);
    // beta's row was replaced away (a.py now holds alpha only): the old row is not found.
    expect(await index.lexicalCandidates('beta', { depth: 5 })).toEqual([]);
  });

  it('compacts once small fragments pile up (one per partial sync of other files)', async () => {
    const index = await filled();
    let optimizedAt: number | undefined;
    for (let round = 0; round < 20 && optimizedAt === undefined; round++) {
      const before = (await index.stats()).version;
      // A file of its own each time: its rows land in a new small fragment that stays.
      await index.sync(
        [record({ file: `new${round}.py`, line: 1, name: `fresh${round}`, vector: unit(1, round) })],
        {
          files: [`new${round}.py`],
        },
      );
      if ((await index.stats()).version > before + 1) optimizedAt = round;
    }
    // The first sync wrote 1 fragment; each round adds one: the 16th small fragment triggers it.
    expect(optimizedAt).toBe(14);
    expect((await index.lexicalCandidates('fresh14', { depth: 5 })).map((c) => c.name)).toEqual(['fresh14']);
    expect((await index.stats()).entities).toBe(4 + 15);
  });
});
