import { readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CodeIndex, INDEX_FORMAT, openCodeIndex } from '../src/index.js';
import { indexSchema } from '../src/schema.js';
import { DIMS, MODEL, rawIndex, record, storeError, tableDir, tempDir, track, unit } from './helpers.js';

/** An index with a few rows and its full-text index, closed. */
async function builtIndex(): Promise<string> {
  const dir = await tempDir();
  const index = await openCodeIndex(dir, { model: MODEL });
  await index.sync([
    record({ file: 'a.py', line: 1, name: 'read_config', doc: 'Read the configuration.', vector: unit(1) }),
    record({ file: 'b.py', line: 2, name: 'write_config', vector: unit(0, 1) }),
  ]);
  await index.close();
  return dir;
}

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('opening', () => {
  it('refuses an index built with another model, naming both and how to rebuild', async () => {
    const dir = await builtIndex();
    const other = { modelName: 'Xenova/codebert-base', modelVersion: 'sha256:bbbb', dimensions: DIMS };
    const error = await storeError(openCodeIndex(dir, { model: other }));
    expect(error.code).toBe('MODEL_MISMATCH');
    expect(error.stage).toBe('store');
    expect(error.directory).toBe(dir);
    expect(error.message).toContain(
      `[store] index at ${dir} was built with test/hash-model (version sha256:aaaa, 8-d)`,
    );
    expect(error.message).toContain('not Xenova/codebert-base (version sha256:bbbb, 8-d)');
    expect(error.message).toContain('rebuild it with `codesearch index --rebuild <path>`');
    // Same name, other model files; other dimension.
    const newVersion = await storeError(
      openCodeIndex(dir, { model: { ...MODEL, modelVersion: 'sha256:cccc' } }),
    );
    expect(newVersion.code).toBe('MODEL_MISMATCH');
    const wider = await storeError(openCodeIndex(dir, { model: { ...MODEL, dimensions: 16 } }));
    expect(wider.message).toContain('16-d');
    // The index itself is untouched.
    const index = track(await openCodeIndex(dir, { model: MODEL, create: false }));
    expect((await index.stats()).entities).toBe(2);
  });

  it('create: false on a missing index says how to create it, and creates nothing', async () => {
    const dir = join(await tempDir(), 'nothing-here');
    const error = await storeError(openCodeIndex(dir, { model: MODEL, create: false }));
    expect(error.code).toBe('INDEX_NOT_FOUND');
    expect(error.message).toBe(`[store] no index at ${dir}; create it with \`codesearch index <path>\``);
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects a model without name, version or dimensions', async () => {
    const dir = await tempDir();
    for (const model of [
      undefined,
      { modelName: 'm', modelVersion: 'v', dimensions: 0 },
      { modelName: 'm', dimensions: 4 },
    ]) {
      const error = await storeError(openCodeIndex(dir, { model: model as never }));
      expect(error.code).toBe('INVALID_INPUT');
    }
  });

  it('a directory that cannot be created is reported with the cause', async () => {
    const parent = await tempDir();
    await writeFile(join(parent, 'file'), 'not a directory');
    const error = await storeError(openCodeIndex(join(parent, 'file', 'index'), { model: MODEL }));
    expect(error.code).toBe('STORE_FAILED');
    expect(error.message).toMatch(/ENOTDIR|not a directory/);
  });
});

describe('corrupt index', () => {
  it('a truncated data file: INDEX_CORRUPT naming the directory and the cause, at open', async () => {
    const dir = await builtIndex();
    const data = (await files(join(await tableDir(dir), 'data'))).filter((f) => f.endsWith('.lance'));
    expect(data.length).toBeGreaterThan(0);
    for (const file of data) await truncate(file, Math.floor((await stat(file)).size / 2));
    const error = await storeError(openCodeIndex(dir, { model: MODEL }));
    expect(error.code).toBe('INDEX_CORRUPT');
    expect(error.directory).toBe(dir);
    expect(error.message).toContain(`[store] index at ${dir} is corrupt or unreadable: `);
    expect(error.message).toContain('codesearch index --rebuild');
    expect(error.cause).toBeDefined();
  });

  it('garbage manifests: INDEX_CORRUPT, and the directory is not silently recreated', async () => {
    const dir = await builtIndex();
    const manifests = (await files(join(await tableDir(dir), '_versions'))).filter((f) =>
      f.endsWith('.manifest'),
    );
    for (const file of manifests) await writeFile(file, 'garbage, not a manifest\n'.repeat(20));
    const error = await storeError(openCodeIndex(dir, { model: MODEL }));
    expect(error.code).toBe('INDEX_CORRUPT');
    expect(error.message).toContain(dir);
  });

  it('a table directory without versions is corrupt, not missing', async () => {
    const dir = await builtIndex();
    await rm(join(await tableDir(dir), '_versions'), { recursive: true });
    for (const create of [true, false]) {
      const error = await storeError(openCodeIndex(dir, { model: MODEL, create }));
      expect(error.code).toBe('INDEX_CORRUPT');
    }
  });

  it('a damaged full-text index is reported when searched, with the directory', async () => {
    const dir = await builtIndex();
    const indexFiles = await files(join(await tableDir(dir), '_indices'));
    expect(indexFiles.length).toBeGreaterThan(0);
    for (const file of indexFiles) await writeFile(file, 'garbage');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    const error = await storeError(index.search({ text: 'configuration' }, { mode: 'lexical' }));
    expect(error.code).toBe('INDEX_CORRUPT');
    expect(error.message).toContain(dir);
    // The vector side does not need it.
    expect(await index.search({ text: '', vector: unit(1) }, { mode: 'vector', k: 1 })).toHaveLength(1);
  });

  it('an index of another format is refused with INDEX_FORMAT', async () => {
    const dir = await tempDir();
    const arrow = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');
    const metadata = { format: 'codesearch-index/0', ...MODEL, createdAt: new Date().toISOString() };
    await rawIndex(dir, async (db) => {
      (await db.createEmptyTable('code', indexSchema(arrow, metadata))).close();
    });
    const error = await storeError(openCodeIndex(dir, { model: MODEL }));
    expect(error.code).toBe('INDEX_FORMAT');
    expect(error.message).toContain('has format codesearch-index/0, this version reads codesearch-index/3');
    expect(error.message).toContain('rebuild it with `codesearch index --rebuild <path>`');
  });

  it('metadata that disagrees with the vector column is corrupt', async () => {
    const dir = await tempDir();
    const arrow = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');
    const schema = indexSchema(arrow, {
      format: INDEX_FORMAT,
      ...MODEL,
      createdAt: new Date().toISOString(),
    });
    schema.metadata.set(
      'codesearch',
      JSON.stringify({ format: INDEX_FORMAT, ...MODEL, dimensions: 4, createdAt: 'x' }),
    );
    await rawIndex(
      dir,
      async (db) => {
        (await db.createEmptyTable('code', schema)).close();
      },
      { dimensions: 4 },
    );
    const error = await storeError(openCodeIndex(dir, { model: { ...MODEL, dimensions: 4 } }));
    expect(error.code).toBe('INDEX_CORRUPT');
    expect(error.message).toContain('the vector column holds 8 dimensions, the metadata says 4');
  });

  it('a LanceDB table that is not a codesearch index is refused', async () => {
    const dir = await tempDir();
    await rawIndex(dir, async (db) => {
      (await db.createTable('code', [{ locationKey: 'a.py:1', vector: [1, 0] }])).close();
    });
    const error = await storeError(openCodeIndex(dir, { model: MODEL }));
    expect(error.code).toBe('INDEX_CORRUPT');
    expect(error.message).toContain('not a codesearch index');
  });
});

describe('invalid input and closed handles', () => {
  async function index(): Promise<CodeIndex> {
    return track(await openCodeIndex(await tempDir(), { model: MODEL }));
  }

  it('sync refuses wrong vectors and repeated keys, naming the record, and writes nothing', async () => {
    const idx = await index();
    const good = record({ file: 'a.py', line: 1, name: 'f' });
    const cases: Array<[unknown, RegExp]> = [
      [
        [{ ...good, vector: new Float32Array(DIMS + 1) }],
        /record 0 \(a\.py:1\) needs a Float32Array vector of 8 values .*got 9 values/,
      ],
      [[{ ...good, vector: Array.from(good.vector) }], /convert it with Float32Array\.from/],
      [[{ ...good, vector: unit(1).map(() => Number.NaN) }], /vector with NaN/],
      [[good, { ...good }], /record 1 \(a\.py:1\): location key and window given twice/],
      [[{ ...good, contentDigest: '' }], /has no contentDigest/],
      [[{ ...good, lineNumber: 1.5 }], /integer lineNumber/],
      [[{ ...good, name: undefined }], /has no name/],
      [[null], /record 0 is not an object/],
      ['records', /needs an array/],
    ];
    for (const [records, message] of cases) {
      const error = await storeError(idx.sync(records as never));
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.message).toMatch(message);
    }
    expect((await idx.stats()).entities).toBe(0);
    expect(await idx.sync([good])).toMatchObject({ added: 1 });
  });

  it('search refuses bad k, mode, vectors and languages', async () => {
    const idx = await index();
    const cases: Array<[unknown, unknown, RegExp]> = [
      [{ text: 'x' }, { k: 0 }, /k must be an integer/],
      [{ text: 'x' }, { k: 2.5 }, /k must be an integer/],
      [{ text: 'x' }, { mode: 'semantic' }, /mode must be one of hybrid, vector, lexical/],
      [{ text: 'x' }, { mode: 'vector' }, /vector mode needs query\.vector/],
      [{ text: 'x', vector: new Float32Array(3) }, {}, /Float32Array of 8 values .*got 3 values/],
      [{ text: 'x' }, { languages: 'python' }, /languages must be an array/],
      [{}, {}, /needs query\.text/],
      [undefined, {}, /needs query\.text/],
    ];
    for (const [query, options, message] of cases) {
      const error = await storeError(idx.search(query as never, options as never));
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.message).toMatch(message);
    }
  });

  it('a closed index says so', async () => {
    const idx = await openCodeIndex(await tempDir(), { model: MODEL });
    await idx.close();
    for (const call of [
      () => idx.search({ text: 'x' }),
      () => idx.sync([]),
      () => idx.stats(),
      () => idx.digests(),
    ]) {
      const error = await storeError(call());
      expect(error.code).toBe('INDEX_CLOSED');
    }
  });

  it('a write that fails is WRITE_FAILED with the directory and the cause', async () => {
    const dir = await builtIndex();
    const idx = track(await openCodeIndex(dir, { model: MODEL }));
    // Commits write a transaction file first; a file where that directory should be blocks them.
    const table = await tableDir(dir);
    await rm(join(table, '_transactions'), { recursive: true, force: true });
    await writeFile(join(table, '_transactions'), 'blocked');
    const error = await storeError(idx.sync([record({ file: 'z.py', line: 1, name: 'z' })]));
    expect(error.code).toBe('WRITE_FAILED');
    expect(error.message).toContain(`[store] cannot write the index at ${dir}: `);
    expect(error.cause).toBeDefined();
  });
});
