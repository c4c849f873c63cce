import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INDEX_FORMAT, MARKER_FILE, openCodeIndex } from '../src/index.js';
import {
  lancedb,
  MODEL,
  rawIndex,
  readMarkerJson,
  record,
  storeError,
  tempDir,
  track,
  unit,
} from './helpers.js';

const arrow = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');

/**
 * An index as `@codesearch/store` wrote format 2 (one row per unit, no window columns): the
 * marker and the table schema of that version, with one row.
 */
async function formatTwoIndex(dir: string): Promise<string> {
  const { Field, FixedSizeList, Float32, Int32, Schema, Utf8 } = arrow;
  const text = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);
  const metadata = { format: 'codesearch-index/2', ...MODEL, createdAt: new Date().toISOString() };
  const schema = new Schema(
    [
      text('locationKey'),
      text('filePath'),
      new Field('lineNumber', new Int32(), false),
      new Field('endLine', new Int32(), false),
      text('kind'),
      text('name'),
      text('qualifiedName'),
      text('language'),
      text('docstring', true),
      text('signature', true),
      text('text'),
      text('sourcePreview', true),
      text('contentDigest'),
      text('searchText'),
      new Field('vector', new FixedSizeList(MODEL.dimensions, new Field('item', new Float32(), true)), false),
    ],
    new Map([['codesearch', JSON.stringify(metadata)]]),
  );
  const row = {
    locationKey: 'old.py:1',
    filePath: 'old.py',
    lineNumber: 1,
    endLine: 2,
    kind: 'function',
    name: 'old_fn',
    qualifiedName: 'old_fn',
    language: 'python',
    docstring: null,
    signature: null,
    text: 'def old_fn(): pass',
    sourcePreview: null,
    contentDigest: 'digest:old',
    searchText: 'old fn\ndef old_fn(): pass',
    vector: unit(1),
  };
  return rawIndex(
    dir,
    async (db) => {
      (await db.createTable('code', lancedb.makeArrowTable([row], { schema }))).close();
    },
    { format: 'codesearch-index/2' },
  );
}

describe('an index of format 2', () => {
  it('opened for reading only: INDEX_OUTDATED naming the directory and the index command', async () => {
    const dir = await tempDir();
    await formatTwoIndex(dir);
    const error = await storeError(
      openCodeIndex(dir, { model: MODEL, create: false, indexCommand: 'codesearch index ./src' }),
    );
    expect(error.code).toBe('INDEX_OUTDATED');
    expect(error.message).toContain(dir);
    expect(error.message).toContain('format codesearch-index/2');
    expect(error.message).toContain('`codesearch index ./src`');
    expect(error.message).not.toContain('--rebuild');
  });

  it('opened for writing: the first sync rebuilds it aside and swaps it in', async () => {
    const dir = await tempDir();
    const oldGeneration = basename(await formatTwoIndex(dir));
    const index = track(await openCodeIndex(dir, { model: MODEL, indexCommand: 'codesearch index .' }));
    // Until the sync, readers are told what to do, and the old generation is untouched.
    expect((await storeError(index.search({ text: 'old' }))).code).toBe('INDEX_OUTDATED');
    expect(await readdir(dir)).toContain(oldGeneration);

    const records = [record({ file: 'new.py', line: 1, name: 'new_fn', vector: unit(0, 1) })];
    const report = await index.sync(records);
    expect(report).toMatchObject({ added: 1, updated: 0, removed: 0, written: true });
    const marker = await readMarkerJson(dir);
    expect(marker.format).toBe(INDEX_FORMAT);
    expect(marker.generation).not.toBe(oldGeneration);
    expect((await readdir(dir)).sort()).toEqual([MARKER_FILE, marker.generation].sort());
    const hits = await index.search({ text: 'new', vector: unit(0, 1) });
    expect(hits.map((hit) => hit.locationKey)).toEqual(['new.py:1']);
    expect(await index.stats()).toMatchObject({ entities: 1, rows: 1 });

    // Now current: a read-only handle opens it, and the next sync is incremental.
    const reader = track(await openCodeIndex(dir, { model: MODEL, create: false }));
    expect((await reader.stats()).entities).toBe(1);
    expect(await index.sync(records)).toMatchObject({ unchanged: 1, written: false });
  });

  it('another format (not an older one we replace) is still INDEX_FORMAT, even for writing', async () => {
    const dir = await tempDir();
    await rawIndex(dir, async () => {}, { format: 'codesearch-index/99' });
    const error = await storeError(openCodeIndex(dir, { model: MODEL }));
    expect(error.code).toBe('INDEX_FORMAT');
  });
});
