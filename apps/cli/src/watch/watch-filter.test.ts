import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import watcher from '@parcel/watcher';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexedPaths, isRelevantEvent, watcherIgnores } from './watch-filter.js';

let root: string;
beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'codesearch-watch-filter-')));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The paths (root-relative) the real watcher reports for `change`, with these ignores. */
async function reported(ignore: string[], change: () => Promise<void>): Promise<string[]> {
  const seen = new Set<string>();
  const subscription = await watcher.subscribe(
    root,
    (_error, events) => {
      for (const event of events) seen.add(path.relative(root, event.path));
    },
    { ignore },
  );
  try {
    await change();
    // A sentinel written last: once it is seen, the events before it have been delivered.
    await writeFile(path.join(root, 'sentinel.py'), '');
    const deadline = Date.now() + 10_000;
    while (!seen.has('sentinel.py') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  } finally {
    await subscription.unsubscribe();
  }
  seen.delete('sentinel.py');
  return [...seen].sort();
}

describe('watcherIgnores (with the real watcher)', () => {
  it('hides version control, .codesearch, default-excluded directories at any depth and an index inside the tree', async () => {
    for (const dir of [
      '.git',
      '.codesearch/index',
      'node_modules/pkg',
      'packages/a/node_modules',
      'src/build',
      'my-index',
      'src',
    ]) {
      await mkdir(path.join(root, dir), { recursive: true });
    }
    const ignore = watcherIgnores(root, path.join(root, 'my-index'), true);
    const paths = await reported(ignore, async () => {
      await writeFile(path.join(root, '.git/index'), 'x');
      await writeFile(path.join(root, '.codesearch/index/data.lance'), 'x');
      await writeFile(path.join(root, 'node_modules/pkg/index.js'), 'x');
      await writeFile(path.join(root, 'packages/a/node_modules/dep.js'), 'x');
      await writeFile(path.join(root, 'src/build/out.js'), 'x');
      await writeFile(path.join(root, 'my-index/rows.lance'), 'x');
      await writeFile(path.join(root, 'src/app.py'), 'x');
    });
    expect(paths).toEqual(['src/app.py']);
  });

  it('watches default-excluded directories of an index built with --no-default-excludes', async () => {
    await mkdir(path.join(root, 'build'), { recursive: true });
    await mkdir(path.join(root, '.git'), { recursive: true });
    const paths = await reported(
      watcherIgnores(root, path.join(root, '.codesearch', 'index'), false),
      async () => {
        await writeFile(path.join(root, 'build/gen.py'), 'x');
        await writeFile(path.join(root, '.git/HEAD'), 'x');
      },
    );
    expect(paths).toEqual(['build/gen.py']);
  });

  it('leaves an index outside the tree out of the list', () => {
    const ignores = watcherIgnores(root, path.join(os.tmpdir(), 'elsewhere-index'), true);
    expect(ignores.filter((entry) => path.isAbsolute(entry))).toEqual([]);
    expect(ignores).toContain('**/node_modules');
  });
});

describe('IndexedPaths', () => {
  it('covers indexed files and every directory above them, nothing else', () => {
    const indexed = new IndexedPaths(['src/app/models.py', 'main.go']);
    expect(['src/app/models.py', 'main.go', 'src/app', 'src'].map((p) => indexed.covers(p))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['src/app/models', 'sr', 'src/app/views.py', 'app'].map((p) => indexed.covers(p))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(indexed.size).toBe(2);
  });
});

describe('isRelevantEvent', () => {
  const indexed = new IndexedPaths(['pkg.v2/util.py', 'notes/readme.py']);
  const at = (relative: string) => path.join(root, relative);

  it('keeps source files, .gitignore files and anything the index holds', async () => {
    for (const [relative, type] of [
      ['src/new.ts', 'create'],
      ['src/new.ts', 'update'],
      ['gone.go', 'delete'],
      ['sub/.gitignore', 'update'],
      ['pkg.v2', 'delete'], // a directory of indexed files, renamed away (its name has a dot)
      ['notes', 'delete'],
    ] as const) {
      expect(await isRelevantEvent(root, { path: at(relative), type }, indexed), relative).toBe(true);
    }
  });

  it('keeps a script without extension by its #! line, and a new header', async () => {
    await mkdir(at('bin'), { recursive: true });
    await writeFile(at('bin/deploy'), '#!/usr/bin/env bash\ndeploy() { :; }\n');
    await writeFile(at('bin/notes'), 'no interpreter here\n');
    await writeFile(at('engine.h'), 'class Engine {};\n');
    expect(await isRelevantEvent(root, { path: at('bin/deploy'), type: 'create' }, indexed)).toBe(true);
    expect(await isRelevantEvent(root, { path: at('bin/deploy'), type: 'update' }, indexed)).toBe(true);
    expect(await isRelevantEvent(root, { path: at('engine.h'), type: 'create' }, indexed)).toBe(true);
    expect(await isRelevantEvent(root, { path: at('bin/notes'), type: 'create' }, indexed)).toBe(false);
  });

  it('keeps a directory that appeared (moved in: its files get no events of their own)', async () => {
    await mkdir(at('moved.in'), { recursive: true });
    expect(await isRelevantEvent(root, { path: at('moved.in'), type: 'create' }, indexed)).toBe(true);
  });

  it("drops editors' swap and backup files, logs and files the walk never indexes", async () => {
    await writeFile(at('.app.py.swp'), 'x');
    await writeFile(at('4913'), 'x'); // vim's probe file: no extension, not a directory
    for (const [relative, type] of [
      ['.app.py.swp', 'create'],
      ['app.py~', 'create'],
      ['4913', 'create'],
      ['4913', 'delete'],
      ['server.log', 'update'],
      ['README.md', 'update'],
    ] as const) {
      expect(await isRelevantEvent(root, { path: at(relative), type }, indexed), relative).toBe(false);
    }
  });
});
