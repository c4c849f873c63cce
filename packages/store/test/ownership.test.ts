import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkIndexLocation, MARKER_FILE, openCodeIndex } from '../src/index.js';
import { toRow } from '../src/rows.js';
import { indexSchema } from '../src/schema.js';
import { lancedb, MODEL, readMarkerJson, record, storeError, tempDir, track, unit } from './helpers.js';

/** A directory that looks like a user's source tree. */
async function userTree(): Promise<string> {
  const dir = join(await tempDir(), 'my-project');
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'README.md'), '# my project\n');
  await writeFile(join(dir, 'src', 'main.py'), 'def main():\n    pass\n');
  return dir;
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name);
    out[full.slice(dir.length)] = entry.isFile() ? await readFile(full, 'utf8') : '<dir>';
  }
  return out;
}

describe('a directory that is not an index', () => {
  for (const rebuild of [false, true]) {
    it(`is refused (rebuild: ${rebuild}) with NOT_AN_INDEX naming it and some entries; nothing created or deleted`, async () => {
      const dir = await userTree();
      const before = await snapshot(dir);
      const error = await storeError(openCodeIndex(dir, { model: MODEL, rebuild }));
      expect(error.code).toBe('NOT_AN_INDEX');
      expect(error.directory).toBe(dir);
      expect(error.message).toContain(dir);
      expect(error.message).toContain('README.md');
      expect(error.message).toContain('src');
      expect(error.message).toMatch(/empty or new directory/);
      expect(await snapshot(dir)).toEqual(before);
    });
  }

  it('a sync through a handle cannot write into it either', async () => {
    const dir = await userTree();
    const before = await snapshot(dir);
    // Old code: the open succeeded and the sync created code.lance among the user's files.
    await storeError(
      openCodeIndex(dir, { model: MODEL }).then((index) =>
        index.sync([record({ file: 'a.py', line: 1, name: 'f', vector: unit(1) })]),
      ),
    );
    expect(await snapshot(dir)).toEqual(before);
  });
});

/** The layout before the marker: the table directly in the directory, format 1 in its metadata. */
async function legacyIndex(dir: string): Promise<void> {
  const arrow = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');
  const metadata = { format: 'codesearch-index/1', ...MODEL, createdAt: new Date().toISOString() };
  await mkdir(dir, { recursive: true });
  const db = await lancedb.connect(dir);
  const table = await db.createEmptyTable('code', indexSchema(arrow, metadata));
  await table.add(
    lancedb.makeArrowTable([toRow(record({ file: 'old.py', line: 1, name: 'old_fn', vector: unit(1) }))], {
      schema: indexSchema(arrow, metadata),
    }),
  );
  table.close();
  db.close();
}

describe('an index of the pre-marker layout (format 1: code.lance alone)', () => {
  it('search/stats/checkIndexLocation say it was built by an older codesearch and how to rebuild it', async () => {
    const dir = join(await tempDir(), 'idx');
    await legacyIndex(dir);
    const indexCommand = 'codesearch index ./src --index /tmp/i';
    for (const create of [false, true]) {
      const error = await storeError(openCodeIndex(dir, { model: MODEL, create, indexCommand }));
      expect(error.code).toBe('INDEX_FORMAT');
      expect(error.directory).toBe(dir);
      expect(error.message).toContain('built by an older codesearch');
      expect(error.message).toContain('`codesearch index ./src --index /tmp/i --rebuild`');
    }
    const located = await storeError(checkIndexLocation(dir, { indexCommand }));
    expect(located.code).toBe('INDEX_FORMAT');
    // Without indexCommand: the placeholder the CLI replaces today.
    const placeholder = await storeError(openCodeIndex(dir, { model: MODEL }));
    expect(placeholder.message).toContain('`codesearch index --rebuild <path>`');
    await checkIndexLocation(dir, { rebuild: true });
    expect(await readdir(dir)).toEqual(['code.lance']);
  });

  it('--rebuild accepts it and, after the swap, removes only code.lance', async () => {
    const dir = join(await tempDir(), 'idx');
    await legacyIndex(dir);
    const index = track(await openCodeIndex(dir, { model: MODEL, rebuild: true }));
    const fresh = [record({ file: 'new.py', line: 3, name: 'new_fn', vector: unit(0, 1) })];
    expect(await index.sync(fresh)).toMatchObject({ added: 1, written: true });
    const names = (await readdir(dir)).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toBe(MARKER_FILE);
    expect(names[1]).toMatch(/^gen-\d+-[0-9a-f]{8}$/);
    const reopened = track(await openCodeIndex(dir, { model: MODEL, create: false }));
    expect(
      (await reopened.search({ text: 'new fn' }, { mode: 'lexical' })).map((h) => h.locationKey),
    ).toEqual(['new.py:3']);
  });

  it('code.lance beside other entries is not an index: refused, nothing touched', async () => {
    const dir = join(await tempDir(), 'idx');
    await legacyIndex(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const before = await snapshot(dir);
    for (const rebuild of [false, true]) {
      const error = await storeError(openCodeIndex(dir, { model: MODEL, rebuild }));
      expect(error.code).toBe('NOT_AN_INDEX');
      expect(error.message).toContain('notes.txt');
    }
    expect((await storeError(checkIndexLocation(dir, { rebuild: true }))).code).toBe('NOT_AN_INDEX');
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe('codesearch deletes only what it wrote', () => {
  it('a rebuild keeps files a user put into the index directory, and generation-like directories that are not ours', async () => {
    const dir = join(await tempDir(), 'idx');
    const first = track(await openCodeIndex(dir, { model: MODEL }));
    await first.sync([record({ file: 'a.py', line: 1, name: 'a', vector: unit(1) })]);
    const old = (await readMarkerJson(dir)).generation;
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await mkdir(join(dir, 'gen-1700000000000-deadbeef'));
    await writeFile(join(dir, 'gen-1700000000000-deadbeef', 'thesis.tex'), 'mine too');
    const rebuild = track(await openCodeIndex(dir, { model: MODEL, rebuild: true }));
    await rebuild.sync([record({ file: 'b.py', line: 1, name: 'b', vector: unit(0, 1) })]);
    const current = (await readMarkerJson(dir)).generation;
    expect(current).not.toBe(old);
    expect((await readdir(dir)).sort()).toEqual(
      [MARKER_FILE, 'gen-1700000000000-deadbeef', current, 'notes.txt'].sort(),
    );
    expect(await readFile(join(dir, 'gen-1700000000000-deadbeef', 'thesis.tex'), 'utf8')).toBe('mine too');
  });

  it('a directory holding only what a killed first build left is reusable, and the leftovers are removed', async () => {
    const dir = join(await tempDir(), 'idx');
    const leftover = 'gen-1700000000000-0123abcd';
    await mkdir(join(dir, leftover, 'code.lance'), { recursive: true });
    await writeFile(join(dir, `${MARKER_FILE}.tmp-99999-00ff00ff`), '{"partial": ');
    await writeFile(join(dir, '.codesearch-probe-99999'), 'probe');
    await checkIndexLocation(dir);
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await index.sync([record({ file: 'a.py', line: 1, name: 'a', vector: unit(1) })]);
    expect((await readdir(dir)).sort()).toEqual([MARKER_FILE, (await readMarkerJson(dir)).generation].sort());
  });
});

describe('checkIndexLocation', () => {
  it('creates a missing directory (and parents) and leaves no probe behind', async () => {
    const dir = join(await tempDir(), 'a', 'b', 'idx');
    await checkIndexLocation(dir);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a directory with other files, before anything is written', async () => {
    const dir = await userTree();
    const before = await snapshot(dir);
    const error = await storeError(checkIndexLocation(dir));
    expect(error.code).toBe('NOT_AN_INDEX');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('accepts an existing index', async () => {
    const dir = join(await tempDir(), 'idx');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await index.sync([record({ file: 'a.py', line: 1, name: 'a', vector: unit(1) })]);
    await checkIndexLocation(dir);
    await checkIndexLocation(dir, { rebuild: true });
  });

  it('fails fast on /proc/nope/idx (where a recursive mkdir loops forever), naming the directory', async () => {
    const started = Date.now();
    const error = await storeError(checkIndexLocation('/proc/nope/idx'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.code).toBe('INDEX_NOT_WRITABLE');
    expect(error.message).toContain('/proc/nope/idx');
    expect(error.message).toMatch(/ENOENT/);
  }, 5_000);

  it('a file where the directory should be: INDEX_NOT_WRITABLE with the cause', async () => {
    const parent = await tempDir();
    await writeFile(join(parent, 'file'), 'x');
    const error = await storeError(checkIndexLocation(join(parent, 'file', 'idx')));
    expect(error.code).toBe('INDEX_NOT_WRITABLE');
    expect(error.message).toMatch(/ENOTDIR|not a directory/);
  });
});

describe('openCodeIndex on a directory that cannot exist', () => {
  it('/proc/nope/idx fails fast with STORE_FAILED (Node’s recursive mkdir loops forever there)', async () => {
    const started = Date.now();
    const error = await storeError(openCodeIndex('/proc/nope/idx', { model: MODEL }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.code).toBe('STORE_FAILED');
    expect(error.message).toContain('/proc/nope/idx');
  }, 5_000);
});

describe('messages name the exact command that builds the index (indexCommand)', () => {
  const indexCommand = "codesearch index ./src --index '/tmp/my idx'";

  it('INDEX_NOT_FOUND and MODEL_MISMATCH', async () => {
    const dir = join(await tempDir(), 'idx');
    const missing = await storeError(openCodeIndex(dir, { model: MODEL, create: false, indexCommand }));
    expect(missing.message).toBe(`[store] no index at ${dir}; create it with \`${indexCommand}\``);
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await index.sync([record({ file: 'a.py', line: 1, name: 'a', vector: unit(1) })]);
    const other = { ...MODEL, modelVersion: 'sha256:bbbb' };
    const mismatch = await storeError(openCodeIndex(dir, { model: other, indexCommand }));
    expect(mismatch.code).toBe('MODEL_MISMATCH');
    expect(mismatch.message).toContain(`rebuild it with \`${indexCommand} --rebuild\``);
    expect(mismatch.message).not.toContain('<path>');
  });
});
