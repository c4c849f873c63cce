import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { openCodeIndex } from '../src/index.js';
import { markerStamp } from '../src/marker.js';
import { MODEL, record, tempDir, track, unit } from './helpers.js';

// The marker check before each read normally notices a swap. This file makes it miss one (the
// race where a rebuild swaps and removes the old generation between the check and the read),
// to show that such a read is retried on the current generation instead of failing.
vi.mock('../src/marker.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/marker.js')>();
  return { ...actual, markerStamp: vi.fn(actual.markerStamp) };
});

describe('a read whose generation was removed under it', () => {
  it('is retried once on the generation the marker names now', async () => {
    const dir = join(await tempDir(), 'idx');
    const old = [record({ file: 'old.py', line: 1, name: 'old_fn', vector: unit(1) })];
    const fresh = [record({ file: 'new.py', line: 1, name: 'new_fn', vector: unit(1) })];
    const first = await openCodeIndex(dir, { model: MODEL });
    await first.sync(old);
    await first.close();
    const reader = track(await openCodeIndex(dir, { model: MODEL, create: false }));
    expect((await reader.search({ text: 'old fn' }, { mode: 'lexical' }))[0]?.locationKey).toBe('old.py:1');
    const staleStamp = await markerStamp(dir);

    const rebuild = await openCodeIndex(dir, { model: MODEL, rebuild: true });
    await rebuild.sync(fresh);
    await rebuild.close();
    expect((await readdir(dir)).filter((name) => name.startsWith('gen-'))).toHaveLength(1);

    // The reader's next check sees the old stamp: it reads the removed generation first.
    vi.mocked(markerStamp).mockResolvedValueOnce(staleStamp);
    const hits = await reader.search({ text: '', vector: unit(1) }, { mode: 'vector', k: 5 });
    expect(vi.mocked(markerStamp)).toHaveBeenCalled();
    expect(hits.map((hit) => hit.locationKey)).toEqual(['new.py:1']);
  });
});
